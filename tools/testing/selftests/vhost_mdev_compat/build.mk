# A 32-bit process: what it writes is what the test is about.
CFLAGS += -m32
