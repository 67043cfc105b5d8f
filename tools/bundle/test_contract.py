"""Unit tests of the bundle contract (run by bin/test):

    tools/python -m unittest discover -s tools/bundle -t tools/bundle
"""
import os
import unittest

import contract

GRAPH_JAVA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "encoder", "src", "main",
                          "java", "org", "qsearch", "encoder", "Graph.java")
DIMS = {"T": 37, "Dv": 192, "E": 64, "H": 384, "Dl": 128, "num_queries": 32}
LLM = {"layers": 3, "heads": 4, "head_dim": 32, "vocab_size": 50257}


class ContractTests(unittest.TestCase):
    def test_llm_cache_names(self):
        ins, outs = contract.llm_past_names(2)
        self.assertEqual(ins, ["past_key_values.0.key", "past_key_values.0.value",
                               "past_key_values.1.key", "past_key_values.1.value"])
        self.assertEqual(outs[3], "present.1.value")

    def test_every_named_tensor_has_a_shape(self):
        shapes = contract.io_shapes(DIMS, 48, LLM)
        for g in shapes:
            ins, outs = contract.graph_io_names(g, LLM["layers"])
            self.assertEqual(sorted(ins + outs), sorted(shapes[g]), g)
        self.assertEqual(shapes["itc_image"]["query_embeds"], ["batch", 32, 64])
        self.assertEqual(shapes["llm"]["present.2.value"], ["batch", 4, "total_sequence", 32])
        self.assertNotIn("llm", contract.io_shapes(DIMS, 48))

    def test_manifest_puts_extra_fields_before_the_graphs(self):
        m = contract.manifest("x", {"size": 48}, DIMS, 35, {"vision": {}}, {}, LLM, extra={"rerank": {"depth": 8}})
        self.assertEqual(list(m), ["format_version", "name", "family", "image", "text", "dims", "llm", "rerank",
                                   "graphs", "files"])
        self.assertEqual(m["text"], {"max_length": 35, "tokenizer": "qformer_tokenizer.json"})

    def test_io_names_match_the_java_contract(self):
        with open(GRAPH_JAVA) as f:
            java = f.read()
        for g in contract.GRAPH_IO:
            ins, outs = contract.graph_io_names(g)
            line = [ln for ln in java.splitlines() if '("%s"' % g in ln][0]
            for n in ins + outs:
                self.assertIn('"%s"' % n, line, g)


if __name__ == "__main__":
    unittest.main()
