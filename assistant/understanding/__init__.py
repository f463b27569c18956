"""Understanding what people type, question by question: `read_answer` reads a message as an
answer to the question asked (reader.py), with phrase tables per language (lexicon.py, phrases/)
and the kind of every question (kinds.py). No Rasa here: the Rasa server applies the reading to
the NLU's parse (stack/rasa_server.py), the action server reads the choices it leaves.

Nothing is imported here: the NLU components import `text` alone, so the reader stays out of what
decides the NLU model's parses (benchmarks/nlu.py fingerprints that)."""
