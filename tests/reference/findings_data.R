# Shared by the findings_*.R reference scripts: psychTools' bfi with five short scale means (no reverse-keyed items,
# NA when any item is missing), defined identically in tests/findings/_data.py.
suppressMessages(library(psychTools))
bfi_scales <- function() {
  d <- psychTools::bfi
  means <- function(items) rowMeans(d[, items])
  data.frame(agree = means(c("A2", "A3", "A4", "A5")), consc = means(c("C1", "C2", "C3")),
             extra = means(c("E3", "E4", "E5")), neuro = means(c("N1", "N2", "N3", "N4", "N5")),
             open = means(c("O1", "O3", "O4")), A1 = d$A1, age = d$age, gender = d$gender,
             education = d$education)
}
out <- function(frame, name) write.csv(frame, file.path("tests/reference/expected", name), row.names = FALSE)
