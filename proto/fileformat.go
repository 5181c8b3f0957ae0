package proto

// JSONFileFormatURL is the type URL of the Substrait LocalFiles extension file format Tern
// uses for newline-delimited JSON (Substrait has no JSON format of its own); the Any carries
// no value.
const JSONFileFormatURL = "type.tern.dev/tern.NDJSON"
