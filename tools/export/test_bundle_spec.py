"""Unit tests of tools/export that need no transformers (run by bin/test):

    tools/python -m unittest discover -s tools/export -t tools/export
"""
import unittest

import numpy as np

import bundle_spec as bs
import contract

# config.json / preprocessor_config.json of the real checkpoints, as far as the
# exporter reads them (values from the HF configs of blip2-itm-vit-g and blip2-opt-2.7b, see docs/real-models.md)
ITM_CFG = {"vision_config": {"image_size": 224, "patch_size": 14, "hidden_size": 1408,
                             "num_hidden_layers": 39},
           "qformer_config": {"hidden_size": 768, "encoder_hidden_size": 1408},
           "num_query_tokens": 32, "image_text_hidden_size": 256}
CAP_CFG = {"vision_config": dict(ITM_CFG["vision_config"]),
           "qformer_config": {"hidden_size": 768, "encoder_hidden_size": 1408},
           "text_config": {"model_type": "opt", "hidden_size": 2560, "num_attention_heads": 32,
                           "num_hidden_layers": 32, "vocab_size": 50272, "max_position_embeddings": 2048,
                           "bos_token_id": 2, "word_embed_proj_dim": 2560},
           "num_query_tokens": 32}
PROCESSOR = {"do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
             "image_mean": [0.48145466, 0.4578275, 0.40821073],
             "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3,
             "rescale_factor": 0.00392156862745098, "size": {"height": 224, "width": 224}}


class ManifestTests(unittest.TestCase):
    def test_dims_of_the_real_checkpoints(self):
        self.assertEqual(bs.dims_from_configs(ITM_CFG, CAP_CFG),
                         {"T": 257, "Dv": 1408, "E": 256, "H": 768, "Dl": 2560, "num_queries": 32})
        self.assertEqual(bs.dims_from_configs(ITM_CFG)["Dl"], 0)

    def test_trunks_must_match(self):
        cap = {**CAP_CFG, "vision_config": {**CAP_CFG["vision_config"], "image_size": 364}}
        with self.assertRaisesRegex(bs.SpecError, "image_size"):
            bs.dims_from_configs(ITM_CFG, cap)

    def test_image_section_from_processor_config(self):
        img = bs.image_section(PROCESSOR)
        self.assertEqual(img["size"], 224)
        self.assertEqual(img["mean"], PROCESSOR["image_mean"])
        self.assertEqual((img["resize"], img["alpha"]), ("bicubic_squash", "drop"))
        self.assertAlmostEqual(img["rescale"], 1 / 255)
        nested = bs.image_section({"image_processor": {**PROCESSOR, "size": {"height": 364, "width": 364}}})
        self.assertEqual(nested["size"], 364)

    def test_image_section_refuses_what_the_engine_cannot_do(self):
        for bad, msg in (({"resample": 2}, "bicubic"), ({"do_center_crop": True}, "crop"),
                         ({"size": {"height": 224, "width": 300}}, "non-square"),
                         ({"image_std": [0.5]}, "image_std")):
            with self.assertRaisesRegex(bs.SpecError, msg):
                bs.image_section({**PROCESSOR, **bad})

    def test_llm_section(self):
        llm = bs.llm_section(CAP_CFG, stop_token_id=50118)
        self.assertEqual((llm["layers"], llm["heads"], llm["head_dim"], llm["vocab_size"]), (32, 32, 80, 50272))
        self.assertEqual((llm["bos_token_id"], llm["stop_token_id"]), (2, 50118))
        self.assertEqual(llm["caption_prompt"], "a photo of")
        with self.assertRaisesRegex(bs.SpecError, "OPT"):
            bs.llm_section({**CAP_CFG, "text_config": {**CAP_CFG["text_config"], "model_type": "t5"}}, 1)

    def test_io_shapes_and_names_follow_the_contract(self):
        dims = bs.dims_from_configs(ITM_CFG, CAP_CFG)
        llm = bs.llm_section(CAP_CFG, 50118)
        shapes = contract.io_shapes(dims, 224, llm)
        self.assertEqual(shapes["vision"]["pixel_values"], ["batch", 3, 224, 224])
        self.assertEqual(shapes["itm"]["itm_logits"], ["batch", 2])
        self.assertEqual(shapes["llm"]["past_key_values.31.value"], ["batch", 32, "past_sequence", 80])
        self.assertEqual(shapes["llm"]["present.0.key"], ["batch", 32, "total_sequence", 80])
        for g in shapes:
            ins, outs = contract.graph_io_names(g, llm["layers"])
            self.assertEqual(sorted(ins + outs), sorted(shapes[g]), g)
        self.assertNotIn("llm", contract.io_shapes(dims, 224))
        axes = contract.dynamic_axes(shapes["llm"])
        self.assertEqual(axes["attention_mask"], {0: "batch", 1: "total_sequence"})
        self.assertEqual(axes["past_key_values.0.key"], {0: "batch", 2: "past_sequence"})

    def test_manifest_layout(self):
        m = contract.manifest("x", bs.image_section(PROCESSOR), bs.dims_from_configs(ITM_CFG), bs.TEXT_MAX_LENGTH,
                              {"vision": {}}, {})
        self.assertEqual(m["format_version"], 1)
        self.assertEqual(m["text"]["max_length"], 35)
        self.assertNotIn("llm", m)



class ParityTests(unittest.TestCase):
    def test_thresholds_and_report(self):
        r = bs.ParityReport("float32")
        self.assertEqual(r.threshold, 1e-4)
        r.compare("a", [1.0, 2.0], [1.0, 2.00005])
        r.tokens("caption", [5, 6], [5, 6])
        self.assertTrue(r.ok(), r.failures())
        r.compare("b", [[1.0]], [[1.001]])
        r.tokens("caption2", [5, 6], [5, 7])
        self.assertFalse(r.ok())
        self.assertEqual(len(r.failures()), 2)
        self.assertIn("FAIL", r.text())
        self.assertFalse(r.as_dict()["sequences_equal"]["caption2"])

    def test_float16_is_relative_to_tensor_scale(self):
        r = bs.ParityReport("float16")
        self.assertEqual(r.threshold, 1e-2)
        big = np.full(10, 300.0)
        self.assertAlmostEqual(r.compare("tokens", big, big + 0.6), 0.002)
        self.assertAlmostEqual(r.compare("small", [0.1, -0.2], [0.105, -0.2]), 0.005)
        self.assertTrue(r.ok())

    def test_nan_and_shape_fail(self):
        r = bs.ParityReport()
        r.compare("x", [1.0], [float("nan")])
        self.assertFalse(r.ok())
        with self.assertRaises(bs.SpecError):
            r.compare("y", [1.0, 2.0], [1.0])
        with self.assertRaises(bs.SpecError):
            bs.ParityReport("bfloat16")

    def test_new_tokens_of_each_generate_layout(self):
        prompt = [2, 102, 1345, 9]
        self.assertEqual(bs.new_tokens([2, 102, 1345, 9, 7, 8, 50118], prompt, 2), [7, 8, 50118])
        self.assertEqual(bs.new_tokens([50265] * 3 + [2, 102, 1345, 9, 7], prompt, 2), [7])
        self.assertEqual(bs.new_tokens([2, 7, 8], prompt, 2), [7, 8])  # [bos] + new
        self.assertEqual(bs.new_tokens([7, 8], prompt, 2), [7, 8])


class GreedyTests(unittest.TestCase):
    def test_greedy_uses_the_cache_like_the_engine(self):
        vocab, d = 6, 3
        table = np.arange(vocab * d, dtype=np.float32).reshape(vocab, d) / 10
        calls = []

        def embed(ids):
            return table[ids]

        def step(embeds, mask, past):
            calls.append((embeds.shape[1], mask.shape[1], 0 if past is None else past[0].shape[2]))
            length = mask.shape[1]
            logits = np.zeros((1, embeds.shape[1], vocab), np.float32)
            logits[0, -1, (length + 1) % vocab] = 1  # next token depends on the length so far
            present = [np.zeros((1, 1, length, 2), np.float32)]
            return logits, present

        prefix = np.zeros((1, 4, d), np.float32)
        out = bs.greedy_decode(prefix, embed(np.array([[1, 2]])), step, stop_token_id=3, max_new_tokens=10,
                               embed_ids=embed)
        # lengths 6, 7, 8: tokens (6+1)%6=1, (7+1)%6=2, (8+1)%6=3 = stop
        self.assertEqual(out, [1, 2, 3])
        self.assertEqual(calls, [(6, 6, 0), (1, 7, 6), (1, 8, 7)])
        # min_new_tokens masks the stop token
        calls.clear()
        out = bs.greedy_decode(prefix, embed(np.array([[1, 2]])), step, 3, 4, embed, min_new_tokens=3)
        self.assertEqual(len(out), 4)
        self.assertNotEqual(out[2], 3)


class ThroughputTests(unittest.TestCase):
    def test_vit_g_flops(self):
        f = bs.vit_flops(224, 14, 1408, 39, 6144)
        per_block = 4 * 257 * 1408 ** 2 + 2 * 257 ** 2 * 1408 + 2 * 257 * 1408 * 6144
        self.assertEqual(f, 2 * (256 * 3 * 14 * 14 * 1408 + 39 * per_block))
        self.assertAlmostEqual(f / 1e9, 520.7, delta=1.0)  # about 0.52 TFLOP per 224 px image

    def test_peaks(self):
        self.assertEqual(bs.peak_for("NVIDIA H100 80GB HBM3"), ("H100 SXM", 989.4))
        self.assertEqual(bs.peak_for("NVIDIA H100 PCIe"), ("H100 PCIe", 756.0))
        self.assertEqual(bs.peak_for("NVIDIA H200"), ("H200", 989.4))
        self.assertIsNone(bs.peak_for("NVIDIA A100-SXM4-80GB"))
        self.assertAlmostEqual(bs.roofline_share(1000, 5e11, 1000), 0.5)


if __name__ == "__main__":
    unittest.main()
