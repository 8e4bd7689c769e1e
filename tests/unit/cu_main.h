/*
 * cu_main.h: the main() every CUnit test program shares. Define
 * CU_SUITES as a function that adds the suites, then include this.
 * Exit status: 0 all passed, 1 a test failed, 99 CUnit itself failed
 * (automake's "hard error").
 */
#ifndef DMIP_CU_MAIN_H
#define DMIP_CU_MAIN_H

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

static int cu_register(void);

int
main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	if (cu_register() != 0 || CU_get_error() != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 99;
	}
	failed = CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1;	/* a suite that runs nothing is a defect */
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/* Helpers for suites: add a suite or return -1 from cu_register(). */
#define CU_SUITE(name, tests)						\
	do {								\
		CU_pSuite s_ = CU_add_suite((name), NULL, NULL);	\
		if (s_ == NULL)						\
			return -1;					\
		for (const CU_TestInfo *t_ = (tests); t_->pName; t_++)	\
			if (CU_add_test(s_, t_->pName, t_->pTestFunc) == NULL) \
				return -1;				\
	} while (0)

#endif /* DMIP_CU_MAIN_H */
