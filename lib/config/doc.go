// Package config reads experiment files into one Experiment that the
// trainer consumes, and applies --set key=value overrides to it.
//
// Two YAML dialects are read, told apart by their top-level keys:
//
//   - native: name, target_dir, data, embeddings, model, train, with the
//     yaml names of the types in this package (Keys lists every one);
//   - CLNER: the flair/ACE-style files of the CLNER authors (targets: ner,
//     ner: {Corpus: ColumnCorpus-A:ColumnCorpus-B, ...}, model:
//     {FastSequenceTagger: ...}, embeddings: {WordEmbeddings-0: ...},
//     trainer, train, model_name). A file with a top-level targets,
//     model_name or trainer key is read as CLNER.
//
// Every file starts from Default and overlays what it says. Keys nerlab does
// not know, or knows but does not use, are kept as warnings naming the key
// and its line; wrong types, duplicate keys, empty files and multi-document
// files are errors of the form "path:line: key: what is wrong; what was
// expected".
//
// Relative paths (data files, CLNER's data_folder, vectors, target_dir) are
// relative to the process working directory, not to the file, as in CLNER,
// whose configs are run from the repository root: run nerlab from the
// repository root. A CLNER corpus folder is searched for its train, dev and
// test files when the file is loaded, so a missing folder is reported at the
// line that names it.
package config
