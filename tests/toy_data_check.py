"""Check `rwpo data` sets against OT-Flow's definitions (test_generative.sh).

usage: toy_data_check.py FILE.h5 NAME...   (FILE holds /NAME/train and /NAME/test of each set)

numpy draws each set with OT-Flow's lib/toy_data.py definitions (restated below, with
scikit-learn's make_moons, make_circles and make_swiss_roll). A set passes when the energy
distance (V-statistic) between rwpo's set and numpy's is at most 4x the largest of five
numpy-vs-numpy floors of the same size, the means and covariances agree within 5 standard errors,
and the held-out set (another seed) differs. Exit 1 if any set fails.
"""
import sys

import h5py
import numpy as np
import sklearn.datasets
from sklearn.utils import shuffle as util_shuffle


def toy(name, n, rng):
    """OT-Flow's lib/toy_data.py inf_train_gen, restated in float64."""
    if name == "swissroll":
        x = sklearn.datasets.make_swiss_roll(n_samples=n, noise=1.0, random_state=rng)[0]
        return x[:, [0, 2]] / 5
    if name == "circles":
        return sklearn.datasets.make_circles(n_samples=n, factor=.5, noise=0.08,
                                             random_state=rng)[0] * 3
    if name == "rings":
        n4 = n3 = n2 = n // 4
        n1 = n - n4 - n3 - n2
        l4, l3, l2, l1 = (np.linspace(0, 2 * np.pi, k, endpoint=False) for k in (n4, n3, n2, n1))
        x = np.vstack([
            np.hstack([np.cos(l4), np.cos(l4) * .75, np.cos(l2) * .5, np.cos(l1) * .25]),
            np.hstack([np.sin(l4), np.sin(l3) * .75, np.sin(l2) * .5, np.sin(l1) * .25])]).T * 3.0
        x = util_shuffle(x, random_state=rng)
        return x + rng.normal(scale=0.08, size=x.shape)
    if name == "moons":
        x = sklearn.datasets.make_moons(n_samples=n, noise=0.1, random_state=rng)[0]
        return x * 2 + np.array([-1, -0.2])
    if name == "8gaussians":
        s = 1 / np.sqrt(2)
        c = 4.0 * np.array([(1, 0), (-1, 0), (0, 1), (0, -1), (s, s), (s, -s), (-s, s), (-s, -s)])
        pts = []
        for _ in range(n):
            p = rng.randn(2) * 0.5
            pts.append(p + c[rng.randint(8)])
        return np.array(pts) / 1.414
    if name == "pinwheel":
        k, per, rate = 5, n // 5, 0.25
        rads = np.linspace(0, 2 * np.pi, k, endpoint=False)
        f = rng.randn(k * per, 2) * np.array([0.3, 0.1])
        f[:, 0] += 1.
        labels = np.repeat(np.arange(k), per)
        a = rads[labels] + rate * np.exp(f[:, 0])
        rot = np.reshape(np.stack([np.cos(a), -np.sin(a), np.sin(a), np.cos(a)]).T, (-1, 2, 2))
        return 2 * rng.permutation(np.einsum("ti,tij->tj", f, rot))
    if name == "2spirals":
        m = np.sqrt(rng.rand(n // 2, 1)) * 540 * (2 * np.pi) / 360
        d1x = -np.cos(m) * m + rng.rand(n // 2, 1) * 0.5
        d1y = np.sin(m) * m + rng.rand(n // 2, 1) * 0.5
        x = np.vstack((np.hstack((d1x, d1y)), np.hstack((-d1x, -d1y)))) / 3
        return x + rng.randn(*x.shape) * 0.1
    if name == "checkerboard":
        x1 = rng.rand(n) * 4 - 2
        x2 = rng.rand(n) - rng.randint(0, 2, n) * 2 + (np.floor(x1) % 2)
        return np.concatenate([x1[:, None], x2[:, None]], 1) * 2
    raise ValueError(name)


def energy(x, y):
    """Energy distance 2 E|X - Y| - E|X - X'| - E|Y - Y'| (V-statistic)."""
    def md(a, b):
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)).mean()
    return 2 * md(x, y) - md(x, x) - md(y, y)


def main():
    f = h5py.File(sys.argv[1], "r")
    fails = 0
    for name in sys.argv[2:]:
        x, held = f[name]["train"][()], f[name]["test"][()]
        rng = np.random.RandomState(12345)
        ref = [toy(name, len(x), rng) for _ in range(6)]
        floor = max(energy(ref[0], r) for r in ref[1:])
        e = energy(x, ref[0])
        se_m = np.sqrt(2 * ref[0].var(0) / len(x))
        se_c = np.std([np.cov(r.T) for r in ref], axis=0) * np.sqrt(2)
        zm = np.abs(x.mean(0) - ref[0].mean(0)) / se_m
        zc = np.abs(np.cov(x.T) - np.cov(ref[0].T)) / se_c
        ok = e <= 4 * floor and zm.max() < 5 and zc.max() < 5 and not np.array_equal(x, held)
        fails += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:12s} energy {e:.5f} (floor {floor:.5f}), "
              f"mean z {zm.max():.2f}, cov z {zc.max():.2f}")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
