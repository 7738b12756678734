LDLIBS += -lpthread
