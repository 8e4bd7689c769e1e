/*
 * fuzz_conf_mnd.c: mnd.conf through mnd_conf_load(), print and load
 * again (fuzz_conf.c says how and what is checked).
 */
#include "fuzz.h"
#include "fuzz_conf.h"

FUZZ_TARGET("conf_mnd");

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_conf_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_conf_one(FUZZ_CONF_MND, data, size);
	return 0;
}
