# Configuration fixtures shared by the shell tests (sourced by lib.sh and test_slurm.sh).

# restart_ini FILE OUTPUT N EVERY CHECKPOINT_EVERY PROGRESS: the run the restart, kill and SLURM
# tests interrupt: 60 layers of mixture_laplace in d = 16 with a step-size switch at layer 30.
restart_ini() {
    cat > "$1" <<EOF_INI
[run]
output = $2
layers = 60
every = $4
checkpoint_every = $5
progress = $6
[particles]
n = $3
dim = 16
init_scale = 5
[sampler]
beta = 1
lambda = 0.1
h = 0.1
schedule = 30:0.05
[problem]
type = mixture_laplace
EOF_INI
}

# mc_ini FILE METHOD PROBLEM_LINES...: a small run of METHOD (20 layers, frames every 5,
# checkpoints every 8; the [problem] section from the arguments), for the sampler tests.
mc_ini() {
    file=$1; method=$2; shift 2
    cat > "$file" <<EOF
[run]
output = out.h5
layers = 20
every = 5
checkpoint_every = 8
progress = 1000
[particles]
n = 7
dim = 3
init_scale = 2
[sampler]
method = $method
beta = 2
lambda = 0.3
h = 0.05
schedule = 11:0.02
[problem]
EOF
    for line in "$@"; do echo "$line" >> "$file"; done
}
