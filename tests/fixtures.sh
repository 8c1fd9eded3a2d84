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
