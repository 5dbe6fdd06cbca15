# Times R package NMF 0.25 on the benchmark problems; called by benchmarks/run_benchmarks.py.
# Usage: Rscript benchmarks/r_nmf_timing.R fits LECTURE_X.csv.gz GOLUB.csv.gz REPEATS
#        Rscript benchmarks/r_nmf_timing.R survey LECTURE_X.csv.gz GOLUB.csv.gz
# fits:   one line per problem: name,seconds (median over REPEATS),iterations of the best run,
#         for exactly nmf(X, 3, method, nrun = N, seed = 123) with R NMF's defaults otherwise
#         (method "brunet", and "nsNMF" on the lecture's example)
#         (on a multi-core machine it runs the runs in parallel, like nmfteach).
# survey: one line per problem: name,seconds,cophenetic per K (';'-separated), for
#         nmf(X, ranks, "brunet", nrun = 30, seed = 123).
#        Rscript benchmarks/r_nmf_timing.R pbmc X.csv.gz W0.csv.gz H0.csv.gz UPDATES
# pbmc:   one line: seconds,iterations, for UPDATES "brunet" updates from the start (W0, H0).
suppressMessages(library(NMF))
args <- commandArgs(trailingOnly = TRUE)
read_matrix <- function(path, row_names) {
  m <- as.matrix(read.csv(gzfile(path), header = row_names, row.names = if (row_names) 1 else NULL,
                          check.names = FALSE))
  storage.mode(m) <- "double"
  m
}
if (args[1] == "pbmc") {
  X <- read_matrix(args[2], FALSE)
  start <- nmfModel(W = read_matrix(args[3], FALSE), H = read_matrix(args[4], FALSE))
  updates <- as.integer(args[5])
  t0 <- proc.time()[["elapsed"]]
  fit <- nmf(X, start, "brunet", .stop = updates)
  cat(sprintf("%.3f,%d\n", proc.time()[["elapsed"]] - t0, niter(fit)))
  quit(save = "no")
}
lecture <- read_matrix(args[2], FALSE)
golub <- read_matrix(args[3], TRUE)

time_fit <- function(name, X, nrun, repeats, method = "brunet") {
  secs <- numeric(repeats); iters <- NA
  for (r in seq_len(repeats)) {
    t0 <- proc.time()[["elapsed"]]
    fit <- nmf(X, 3, method, nrun = nrun, seed = 123)
    secs[r] <- proc.time()[["elapsed"]] - t0
    iters <- niter(fit)
  }
  cat(sprintf("%s,%.4f,%.1f\n", name, median(secs), iters))
}
time_survey <- function(name, X, ranks) {
  t0 <- proc.time()[["elapsed"]]
  fits <- nmf(X, ranks, "brunet", nrun = 30, seed = 123)
  secs <- proc.time()[["elapsed"]] - t0
  cat(sprintf("%s,%.2f,%s\n", name, secs, paste(sprintf("%.4f", summary(fits)$cophenetic), collapse = ";")))
}

if (args[1] == "fits") {
  repeats <- as.integer(args[4])
  time_fit("lecture_300x30_k3_nrun30", lecture, 30, repeats)
  time_fit("golub_5000x38_k3_nrun10", golub, 10, repeats)
  time_fit("lecture_300x30_k3_nrun30_nsNMF", lecture, 30, repeats, "nsNMF")
} else {
  time_survey("lecture_survey_k2-6_nrun30", lecture, 2:6)
  time_survey("golub_survey_k2-5_nrun30", golub, 2:5)
}
