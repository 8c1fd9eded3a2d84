/**
 * @file data.h
 * @brief `rwpo data NAME --n M [--seed S] -o path.h5:/dataset [--overwrite]`: the 2-D toy sets
 *        of FFJORD / OT-Flow (moons, 8gaussians, circles, rings, swissroll, 2spirals,
 *        checkerboard, pinwheel) drawn with the counter-based generator, for problem.type = data.
 *
 * The distributions are those of OT-Flow's toy_data.py (with scikit-learn's make_moons,
 * make_circles and make_swiss_roll); the draws come from Philox (stream RNG_STREAM_DATA) keyed by
 * (seed, quantity, sample, coordinate), so a set is the same on any machine and a held-out set is
 * another seed. See data.c for each definition.
 */
#ifndef RWPO_DATA_H
#define RWPO_DATA_H

/** The set NAME of m samples [m][2] (row-major) into x (caller-owned). 0, or -1 (unknown NAME). */
int data_toy_generate(const char *name, long m, unsigned long long seed, double *x);

/** Run the command; argv[0] is "data". Collective (rank 0 writes). Returns the exit status. */
int data_main(int argc, char **argv);

#endif /* RWPO_DATA_H */
