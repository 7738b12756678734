/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the benchmark programs share: the clock, order statistics, option
 * lists, and the head of their JSON objects. Header-only: every .c file
 * beside this one is a program of its own (see the Makefile).
 */
#ifndef _BENCH_H
#define _BENCH_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* CLOCK_MONOTONIC in seconds. */
static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sort @n values in place. */
static inline void bench_sort(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
}

/*
 * The @p-th percentile (0..100) of @n sorted values, by linear
 * interpolation between the closest ranks; the median is the 50th.
 */
static inline double bench_percentile_sorted(const double *v, unsigned int n,
					     double p)
{
	double rank, frac;
	unsigned int i;

	if (!n)
		return 0;
	rank = p / 100 * (n - 1);
	i = (unsigned int)rank;
	frac = rank - i;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + frac * (v[i + 1] - v[i]);
}

/* The median of @n values, left unsorted (at most 64 of them). */
static inline double bench_median(const double *v, unsigned int n)
{
	double s[64];

	if (n > ARRAY_SIZE(s))
		n = ARRAY_SIZE(s);
	memcpy(s, v, n * sizeof(*s));
	bench_sort(s, n);
	return bench_percentile_sorted(s, n, 50);
}

/*
 * "64,256,1500" into @v (at most @max_n values within [@min, @max]);
 * false on a bad list.
 */
static inline bool bench_parse_list(const char *arg, unsigned int *v,
				    unsigned int *n, unsigned int max_n,
				    unsigned long min, unsigned long max)
{
	unsigned long x;
	char *end;

	*n = 0;
	do {
		errno = 0;
		x = strtoul(arg, &end, 10);
		if (errno || end == arg || x < min || x > max ||
		    *n == max_n || (*end && *end != ','))
			return false;
		v[(*n)++] = x;
		arg = end + 1;
	} while (*end);
	return true;
}

static inline bool bench_parse_uint(const char *arg, unsigned int *v,
				    unsigned long min, unsigned long max)
{
	unsigned int n;

	return bench_parse_list(arg, v, &n, 1, min, max);
}

/* The first members of a benchmark's JSON object, up to "cpus". */
static inline void bench_json_head(FILE *f, const char *benchmark)
{
	struct utsname u = {};

	uname(&u);
	fprintf(f, "{\n  \"benchmark\": \"%s\",\n  \"kernel\": \"%s\",\n",
		benchmark, u.release);
	fprintf(f, "  \"cpus\": %ld,\n", sysconf(_SC_NPROCESSORS_ONLN));
}

/*
 * One entry of a benchmark's "targets" list, its closing brace left to the
 * caller (for members of its own): @first says whether a comma goes
 * before it; a NULL @baseline is JSON's null.
 */
static inline void bench_json_target(FILE *f, bool first, const char *name,
				     const char *what, const char *baseline)
{
	fprintf(f, "%s\n    {\"name\": \"%s\", \"what\": \"%s\", \"baseline\": ",
		first ? "" : ",", name, what);
	if (baseline)
		fprintf(f, "\"%s\"", baseline);
	else
		fprintf(f, "null");
}

#endif /* _BENCH_H */
