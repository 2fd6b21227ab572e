"""Risk screening of every incoming message: a curated lexicon robust to obfuscation
(``lexicon``, ``normalise``), a sentence classifier on a packaged encoder
(``encoder``, ``classifier``), the dialogue model's crisis intent, combined by
``screen`` into one ``assessment``; ``evaluation`` scores it on labelled sets."""
