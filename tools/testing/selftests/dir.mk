# SPDX-License-Identifier: GPL-2.0
#
# Builds one selftest directory (DIR); run by Makefile beside this file.
# Optional $(DIR)/build.mk may set, one line each:
#   LIBS := vmdev            link tools/lib/vmdev/*.c (as libvmdev.a), and
#                            add -Itools/lib/vmdev -Itools/lib/vmdev/include
#   EXTRA_SOURCES := util.c  helpers (in DIR) linked into every test of DIR,
#                            not tests themselves
#   CFLAGS += ... / LDLIBS += -lpthread
CC ?= gcc
LIBS :=
EXTRA_SOURCES :=
LDLIBS :=
-include $(DIR)/build.mk

# Warnings are errors, as in "make lint".  The 6.1 harness itself trips
# -Wunused-parameter (its wrappers) and -Wsign-compare (ASSERT_EQ(0, uid)),
# so those two are off.
override CFLAGS := -static -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-sign-compare -MMD -MP -D_GNU_SOURCE \
	-I$(HARNESS_DIR) -I$(REPO)/include/uapi -I$(REPO)/tools/include \
	$(foreach l,$(LIBS),-I$(REPO)/tools/lib/$(l) -I$(REPO)/tools/lib/$(l)/include) \
	$(CFLAGS)

EXTRA := $(addprefix $(DIR)/,$(EXTRA_SOURCES))
TESTS := $(patsubst $(DIR)/%.c,$(OUTPUT)/$(DIR)/%,$(filter-out $(EXTRA),$(wildcard $(DIR)/*.c)))
# Executable scripts are tests; the others are helpers they source.
SCRIPTS := $(patsubst %,$(OUTPUT)/%,$(wildcard $(DIR)/*.sh))
LIB_ARCHIVES := $(foreach l,$(LIBS),$(OUTPUT)/lib/lib$(l).a)

all: $(TESTS) $(SCRIPTS)

$(OUTPUT)/$(DIR)/%: $(DIR)/%.c $(EXTRA) $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(EXTRA) $(LIB_ARCHIVES) $(LDLIBS)

$(OUTPUT)/$(DIR)/%.sh: $(DIR)/%.sh
	@mkdir -p $(@D)
	@cp $< $@

# A library: every .c of tools/lib/<name>/ into one archive.
$(OUTPUT)/lib/lib%.a: FORCE
	@$(MAKE) --no-print-directory -f lib.mk LIB=$* REPO=$(REPO) OUTPUT=$(OUTPUT)

.PHONY: all FORCE
FORCE:

-include $(TESTS:=.d)
