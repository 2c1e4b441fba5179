# The bundled case school's parent questionnaire (data/example), read straight from its 问卷星 按序号 download with
# readxl: `inst` (surveys/parent.yaml), `raw` (the sheet), `items` (one row per item) and `codes` (respondents ×
# items, "don't know" as NA, reverse-keyed items recoded 6 - x). Sourced by simulate.R and measurement_example.R.
suppressMessages({library(readxl); library(yaml)})
inst <- yaml::read_yaml("surveys/parent.yaml")
file <- Sys.glob("data/example/*_按序号_*.xlsx")
raw <- as.data.frame(read_excel(file, sheet = "Sheet1"))
# question headers are "<n>、<zh text>": match each item by its text
text <- sub("^[0-9]+、", "", names(raw))
items <- do.call(rbind, lapply(inst$items, function(it) data.frame(
  id = it$id, construct = it$construct, scale = it$scale,
  reverse = isTRUE(it$reverse), text = it$text$zh, stringsAsFactors = FALSE)))
codes <- sapply(seq_len(nrow(items)), function(i) {
  x <- as.numeric(raw[[which(text == items$text[i])]])
  x[x == 6] <- NA                        # option 6 of A5_dk: 不了解 (don't know) is missing
  if (items$reverse[i]) x <- 6 - x       # reverse-keyed: 6 - x
  x
})
colnames(codes) <- items$id
