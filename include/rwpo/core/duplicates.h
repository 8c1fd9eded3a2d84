/**
 * @file duplicates.h
 * @brief The fraction of particles that have an exact duplicate (a bitwise-equal row) somewhere
 *        in the distributed cloud: the signature of particles merging into clumps.
 *
 * Method: every rank hashes its rows (64-bit FNV-1a over the bytes of the row), the hashes are
 * all-gathered (8 N bytes on every rank) and sorted; a row whose hash occurs once is unique. The
 * rows whose hash occurs more than once are the candidates: each rank sends, for every distinct
 * candidate row it holds (bitwise), the hash, the row and how many of its rows equal it; these
 * records are all-gathered and sorted by hash, and a candidate counts as duplicated when the
 * multiplicities of the records bitwise equal to it add up to at least 2. Exact (a hash collision
 * only makes a row a candidate). Memory O(N) hashes plus O(d) per candidate record.
 */
#ifndef RWPO_DUPLICATES_H
#define RWPO_DUPLICATES_H

/**
 * Fraction (0..1) of the n_global particles whose row (dim doubles) is bitwise equal to another
 * particle's. x holds this rank's n_local rows, row-major. Collective over the world
 * communicator (every rank calls it, also with n_local = 0).
 */
double duplicates_fraction(const double *x, long n_local, long dim, long n_global);

#endif /* RWPO_DUPLICATES_H */
