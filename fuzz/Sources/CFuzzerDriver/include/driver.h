// libFuzzer's driver, called from each harness's main (SwiftPM links an executable's own
// main; libFuzzer's would clash with it).
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
