// The declaration is all: libFuzzer defines the function.
