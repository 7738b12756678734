LIBS := vmdev
