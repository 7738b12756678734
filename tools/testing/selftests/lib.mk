# SPDX-License-Identifier: GPL-2.0
#
# Builds tools/lib/$(LIB)/*.c into $(OUTPUT)/lib/lib$(LIB).a for the tests.
CC ?= gcc
SRC := $(REPO)/tools/lib/$(LIB)
OBJS := $(patsubst $(SRC)/%.c,$(OUTPUT)/lib/$(LIB)/%.o,$(wildcard $(SRC)/*.c))
CFLAGS := -O2 -g -Wall -Wextra -MMD -MP -D_GNU_SOURCE \
	-I$(SRC) -I$(SRC)/include -I$(REPO)/include/uapi -I$(REPO)/tools/include

$(OUTPUT)/lib/lib$(LIB).a: $(OBJS)
	@echo "  AR      $@"
	@rm -f $@
	@ar rcs $@ $^

$(OUTPUT)/lib/$(LIB)/%.o: $(SRC)/%.c
	@mkdir -p $(@D)
	@$(CC) $(CFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)
