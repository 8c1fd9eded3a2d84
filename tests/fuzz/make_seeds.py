#!/usr/bin/python3
"""Write the HDF5 seed corpora of the fuzz targets h5_input and h5_probe (tests/fuzz/corpus/),
and the hand-made HDF5 regression inputs of h5_probe (tests/fuzz/regressions/h5_probe/).

Seeds are small valid files for libFuzzer to mutate (HDF5 rejects random bytes at the
superblock). The regression inputs are minimal files that hold just what reaches one bug (see
tests/fuzz/regressions/README.md). Needs h5py and numpy (Debian: python3-h5py). The files are
committed; rerun this only to change them:

    /usr/bin/python3 tests/fuzz/make_seeds.py

Names carry no .h5 suffix (the repository ignores *.h5).
"""
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
INPUT = os.path.join(HERE, "corpus", "h5_input")
PROBE = os.path.join(HERE, "corpus", "h5_probe")
REGRESSIONS = os.path.join(HERE, "regressions", "h5_probe")

# a resolved configuration as rwpo stores it (abridged to the keys that differ from defaults
# plus a few; config_parse_text fills the rest)
CONFIG_INI = b"""[run]
name = seed
output = seed.h5
layers = 2
every = 1

[particles]
n = 3
dim = 2
init_scale = 5

[sampler]
beta = 1
lambda = 0.10000000000000001
h = 0.10000000000000001
T = h
schedule = 2:0.05

[problem]
type = mixture_laplace
"""


def new(path, libver):
    return h5py.File(path, "w", libver=libver)


def fixed(s):
    """A fixed-length NUL-terminated ASCII string (what rwpo writes)."""
    b = s.encode() if isinstance(s, str) else s
    return np.array(b, dtype="S%d" % (len(b) + 1))


def input_seeds():
    os.makedirs(INPUT, exist_ok=True)
    with new(os.path.join(INPUT, "matrix_contiguous"), "earliest") as f:
        f["x"] = np.arange(6, dtype="<f8").reshape(3, 2) / 4
    with new(os.path.join(INPUT, "vector_and_row_latest"), "latest") as f:
        f["x"] = np.array([1.5, -2, 0, 4], dtype="<f8")
        f.create_group("g")["x"] = np.array([[0.5, 1, 2]], dtype="<f4")
    with new(os.path.join(INPUT, "integer_chunked_latest"), "latest") as f:
        f.create_dataset("x", data=np.array([[1, 2], [3, 4]], dtype="<i4"), chunks=(1, 2))
        f.create_group("g")["x"] = np.arange(5, dtype=">i8")
    with new(os.path.join(INPUT, "filtered_latest"), "latest") as f:
        f.create_dataset("x", data=np.linspace(-1, 1, 12).reshape(4, 3), chunks=(2, 3),
                         shuffle=True, compression="gzip", fletcher32=True,
                         maxshape=(None, 3))
    with new(os.path.join(INPUT, "compact_and_3d_latest"), "latest") as f:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        sp = h5py.h5s.create_simple((2, 2))
        ds = h5py.h5d.create(f.id, b"x", h5py.h5t.IEEE_F64LE, sp, dcpl=dcpl)
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([[1.0, 2], [3, 4]]))
        f.create_group("g")["x"] = np.zeros((2, 2, 2))
    with new(os.path.join(INPUT, "not_numeric_latest"), "latest") as f:
        f["x"] = fixed("not numbers")
        f.create_group("g").create_group("x")
    with new(os.path.join(INPUT, "nonfinite_latest"), "latest") as f:
        f["x"] = np.array([[1.0, np.nan], [np.inf, 2]])
        f.create_group("g")["x"] = np.array([0.0, -np.inf])
    with new(os.path.join(INPUT, "empty_and_scalar_latest"), "latest") as f:
        f.create_dataset("x", shape=(0, 3), maxshape=(None, 3), chunks=(4, 3), dtype="<f8")
        f.create_group("g")["x"] = np.float64(2.5)


def run_file(f, frames, dims=(3, 2), with_obs=True, vl=False):
    """rwpo's run-file layout, as probe_file and probe_print_info read it."""
    # vl: variable-length ASCII strings (h5py writes bytes that way) instead of fixed-length
    s = (lambda v: v if isinstance(v, bytes) else v.encode()) if vl else fixed
    h5md = f.create_group("h5md")
    h5md.attrs["version"] = np.array([1, 1], dtype="<i4")
    h5md.create_group("creator").attrs["name"] = s("rwpo")
    f["h5md/creator"].attrs["version"] = s("0.1.0")
    h5md.create_group("author").attrs["name"] = s("fuzz")
    par = f.create_group("parameters", track_order=True)
    par.attrs["config_ini"] = s(CONFIG_INI)
    par.attrs["status"] = s("complete")
    par.attrs["particles.n"] = np.int64(dims[0])
    par.attrs["sampler.beta"] = np.float64(1)
    par.attrs["sampler.method"] = s("rwpo_l1")
    pos = f.create_group("particles/cloud/position")
    n, d = dims
    x = np.arange(frames * n * d, dtype="<f8").reshape(frames, n, d) / 8
    pos.create_dataset("value", data=x, maxshape=(None, n, d), chunks=(1, n, d),
                       fletcher32=True)
    pos["step"] = np.arange(frames, dtype="<i8")
    pos["time"] = np.arange(frames, dtype="<f8") * 0.1
    obs = f.create_group("observables", track_order=True)
    if with_obs:
        o = obs.create_group("energy")
        o["value"] = np.arange(frames, dtype="<f8")
        o["step"] = np.arange(frames, dtype="<i8")
        o = obs.create_group("mean")
        o["value"] = np.ones((frames, d))
        o["step"] = np.arange(frames, dtype="<i8")
    return f


def probe_seeds():
    os.makedirs(PROBE, exist_ok=True)
    with new(os.path.join(PROBE, "run_latest"), "latest") as f:
        run_file(f, 2)
    with new(os.path.join(PROBE, "run_vlen_strings_latest"), "latest") as f:
        run_file(f, 1, dims=(2, 1), with_obs=False, vl=True)
    with new(os.path.join(PROBE, "checkpoint_latest"), "latest") as f:
        run_file(f, 1, with_obs=False)
        ck = f.create_group("checkpoint")
        ck.attrs["format"] = fixed("rwpo-checkpoint")
        ck.attrs["format_version"] = np.int64(1)
        ck.attrs["layer"] = np.int64(0)
        ck.attrs["trajectory_frames"] = np.int64(1)
        ck.attrs["time"] = np.float64(0)
        ck.attrs["neighbours"] = np.float64(2.5)
        ck.attrs["config_hash"] = fixed("0123456789abcdef")
        ck.attrs["content_hash"] = fixed("fedcba9876543210")
    with new(os.path.join(PROBE, "posterior_latest"), "latest") as f:
        run_file(f, 1, with_obs=False)
        post = f.create_group("posterior")
        for name in ("mean", "std", "lower", "upper"):
            post[name] = np.array([0.5, -0.25])
        post["mean"].attrs["description"] = fixed("particle mean")
        f.create_group("problem")["x_true"] = np.array([1.0, 0])
        f["problem/map"] = np.array([0.75, 0])


def minimal_run(f, value_shape=(1, 1, 1), time_shape=(1,)):
    """Just what probe_file reads before the attributes and datasets the bugs are in."""
    f.create_group("h5md/creator").attrs["name"] = fixed("rwpo")
    f.create_group("parameters").attrs["config_ini"] = fixed("x")
    pos = f.create_group("particles/cloud/position")
    pos["value"] = np.zeros(value_shape)
    pos["step"] = np.zeros(1, dtype="<i8")
    pos["time"] = np.zeros(time_shape)


def regression_inputs():
    os.makedirs(REGRESSIONS, exist_ok=True)
    path = lambda name: os.path.join(REGRESSIONS, name)
    # probe.c: hsize_t dims[3] receives the dims of a 4-D position dataset
    with new(path("position_value_4d"), "latest") as f:
        minimal_run(f, value_shape=(1, 1, 1, 1))
    # h5util.c h5util_attr_read_str: an array of strings read into one string's buffer
    with new(path("creator_name_string_array"), "latest") as f:
        f.create_group("h5md/creator").attrs["name"] = np.array([b"rwpo", b"rwpo"], dtype="S5")
    # h5util.c h5util_attr_get_num: an array attribute read into one number (/parameters segment)
    with new(path("segment_attribute_array"), "latest") as f:
        minimal_run(f)
        f["parameters"].attrs["segment"] = np.array([1, 2], dtype="<i8")
    # ... the same into probe_info.ck_neighbours: overwrites the ck_hash pointer, freed later
    with new(path("checkpoint_neighbours_array"), "latest") as f:
        minimal_run(f)
        ck = f.create_group("checkpoint")
        ck.attrs["format"] = fixed("rwpo-checkpoint")
        ck.attrs["config_hash"] = fixed("0")
        ck.attrs["content_hash"] = fixed("0")
        for k in ("format_version", "layer", "trajectory_frames"):
            ck.attrs[k] = np.int64(0)
        ck.attrs["time"] = np.float64(0)
        ck.attrs["neighbours"] = np.array([1.0, 2.0])
    # probe.c: rows of a 2-D time dataset read into one double each (pi->times[i])
    with new(path("position_time_2d"), "latest") as f:
        minimal_run(f, time_shape=(1, 2))
    # probe.c last_obs_cb: a row of a 2-D step dataset read into one long long (o.step)
    with new(path("observable_step_2d"), "latest") as f:
        o = f.create_group("observables/e")
        o["value"] = np.zeros(1)
        o["step"] = np.zeros((1, 2), dtype="<i8")


def main():
    input_seeds()
    probe_seeds()
    regression_inputs()
    total = 0
    for d in (INPUT, PROBE, REGRESSIONS):
        for n in sorted(os.listdir(d)):
            total += os.path.getsize(os.path.join(d, n))
    print("seeds written: %d bytes in all" % total, file=sys.stderr)


if __name__ == "__main__":
    main()
