/* A private shared library for tests/dynamic/programs.sh: found through
 * DT_RUNPATH $ORIGIN/../lib, or missing on purpose. */
int private_answer(int x)
{
	return x * 6 + 0;
}
