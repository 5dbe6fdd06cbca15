# Times R package NMF 0.25's rank survey, nmf(X, ranks, "brunet", nrun = 30, seed = 123), on the
# lecture's example (K = 2..6) and Golub (K = 2..5); called by benchmarks/run_benchmarks.py --survey.
# Usage: Rscript benchmarks/r_nmf_survey_timing.R LECTURE_X.csv.gz GOLUB.csv.gz
# Prints one line per problem: name,seconds,cophenetic per K (separated by ';').
suppressMessages(library(NMF))
args <- commandArgs(trailingOnly = TRUE)
read_matrix <- function(path, row_names) {
  m <- as.matrix(read.csv(gzfile(path), header = row_names, row.names = if (row_names) 1 else NULL,
                          check.names = FALSE))
  storage.mode(m) <- "double"
  m
}
survey <- function(name, X, ranks) {
  t0 <- proc.time()[["elapsed"]]
  fits <- nmf(X, ranks, "brunet", nrun = 30, seed = 123)
  secs <- proc.time()[["elapsed"]] - t0
  coph <- summary(fits)$cophenetic
  cat(sprintf("%s,%.2f,%s\n", name, secs, paste(sprintf("%.4f", coph), collapse = ";")))
}
survey("lecture_survey_k2-6_nrun30", read_matrix(args[1], FALSE), 2:6)
survey("golub_survey_k2-5_nrun30", read_matrix(args[2], TRUE), 2:5)
