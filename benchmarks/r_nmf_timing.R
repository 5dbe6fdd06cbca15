# Times R package NMF 0.25 on the two benchmark problems; called by benchmarks/run_benchmarks.py.
# Usage: Rscript benchmarks/r_nmf_timing.R LECTURE_X.csv.gz GOLUB.csv.gz REPEATS
# Prints one line per problem: name,seconds (median over REPEATS),iterations of the best run.
# The timed call is exactly nmf(X, 3, "brunet", nrun = N, seed = 123), R NMF's defaults otherwise
# (on a multi-core machine it runs the runs in parallel, like nmfteach).
suppressMessages(library(NMF))
args <- commandArgs(trailingOnly = TRUE)
read_matrix <- function(path, row_names) {
  m <- as.matrix(read.csv(gzfile(path), header = row_names, row.names = if (row_names) 1 else NULL,
                          check.names = FALSE))
  storage.mode(m) <- "double"
  m
}
lecture <- read_matrix(args[1], FALSE)
golub <- read_matrix(args[2], TRUE)
repeats <- as.integer(args[3])
time_it <- function(name, X, nrun) {
  secs <- numeric(repeats); iters <- NA
  for (r in seq_len(repeats)) {
    t0 <- proc.time()[["elapsed"]]
    fit <- nmf(X, 3, "brunet", nrun = nrun, seed = 123)
    secs[r] <- proc.time()[["elapsed"]] - t0
    iters <- niter(fit)
  }
  cat(sprintf("%s,%.4f,%.1f\n", name, median(secs), iters))
}
time_it("lecture_300x30_k3_nrun30", lecture, 30)
time_it("golub_5000x38_k3_nrun10", golub, 10)
