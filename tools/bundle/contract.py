"""The bundle contract (docs/bundle.md) as code, written once for both
exporters (tools/tinyblip/export.py, tools/export/hf_export.py): the graphs,
their inputs and outputs in order, their shapes from the bundle dims, and
bundle.json's layout. Standard library only, so it imports anywhere.
encoder/src/main/java/org/qsearch/encoder/Graph.java holds the same names
(tools/bundle/test_contract.py checks it).
"""
FORMAT_VERSION = 1

GRAPH_IO = {"vision": (["pixel_values"], ["image_tokens"]),
            "itc_image": (["image_tokens"], ["query_embeds"]),
            "itc_text": (["input_ids", "attention_mask"], ["text_embeds"]),
            "itm": (["image_tokens", "input_ids", "attention_mask"], ["itm_logits"]),
            "caption_prefix": (["image_tokens"], ["prefix_embeds"]),
            "llm_embed": (["input_ids"], ["inputs_embeds"]),
            "llm": (["inputs_embeds", "attention_mask"], ["logits"])}


def llm_past_names(layers):
    """The llm graph's cache inputs and outputs, in graph order."""
    ins, outs = [], []
    for i in range(layers):
        for kind in ("key", "value"):
            ins.append("past_key_values.%d.%s" % (i, kind))
            outs.append("present.%d.%s" % (i, kind))
    return ins, outs


def graph_io_names(graph, llm_layers=0):
    """(input names, output names) of a contract graph, in graph order."""
    ins, outs = GRAPH_IO[graph]
    if graph != "llm":
        return ins, outs
    past_in, past_out = llm_past_names(llm_layers)
    return ins + past_in, outs + past_out


def io_shapes(dims, image_size, llm=None):
    """Contract shapes of every graph's inputs and outputs: graph -> {tensor
    name -> shape}, numbers fixed by the bundle dims, strings dynamic axes.
    llm: bundle.json's llm section (layers, heads, head_dim, vocab_size), or
    None for a bundle without the caption graphs."""
    tok = ["batch", dims["T"], dims["Dv"]]
    text = ["batch", "sequence"]
    shapes = {
        "vision": {"pixel_values": ["batch", 3, image_size, image_size], "image_tokens": tok},
        "itc_image": {"image_tokens": tok, "query_embeds": ["batch", dims["num_queries"], dims["E"]]},
        "itc_text": {"input_ids": text, "attention_mask": text, "text_embeds": ["batch", dims["E"]]},
        "itm": {"image_tokens": tok, "input_ids": text, "attention_mask": text, "itm_logits": ["batch", 2]},
    }
    if llm is not None:
        shapes["caption_prefix"] = {"image_tokens": tok,
                                    "prefix_embeds": ["batch", dims["num_queries"], dims["Dl"]]}
        shapes["llm_embed"] = {"input_ids": text, "inputs_embeds": ["batch", "sequence", dims["Dl"]]}
        ins, outs = llm_past_names(llm["layers"])
        s = {"inputs_embeds": ["batch", "sequence", dims["Dl"]], "attention_mask": ["batch", "total_sequence"],
             "logits": ["batch", "sequence", llm["vocab_size"]]}
        s.update({n: ["batch", llm["heads"], "past_sequence", llm["head_dim"]] for n in ins})
        s.update({n: ["batch", llm["heads"], "total_sequence", llm["head_dim"]] for n in outs})
        shapes["llm"] = s
    return shapes


def dynamic_axes(shapes):
    """torch.onnx dynamic_axes from the contract shapes of one graph."""
    return {name: {i: d for i, d in enumerate(shape) if isinstance(d, str)} for name, shape in shapes.items()}


def image_section(size, mean, std, rescale, alpha):
    """bundle.json's image section. The engine resizes one way only (bicubic
    squash, as BLIP-2's processor does); alpha: "drop" or "white"."""
    return {"size": int(size), "mean": [float(x) for x in mean], "std": [float(x) for x in std],
            "resize": "bicubic_squash", "rescale": float(rescale), "alpha": alpha}


def llm_section(layers, heads, hidden, vocab_size, max_positions, bos_token_id, stop_token_id,
                caption_prompt, question_prompt, tokenizer="llm_tokenizer.json"):
    """bundle.json's llm section (the decoder's cache shape, tokens and prompts)."""
    return {"tokenizer": tokenizer, "layers": layers, "heads": heads, "head_dim": hidden // heads,
            "vocab_size": vocab_size, "max_positions": max_positions, "bos_token_id": bos_token_id,
            "stop_token_id": stop_token_id, "caption_prompt": caption_prompt,
            "question_prompt": question_prompt}


def manifest(name, image, dims, text_max_length, graphs, files, llm=None,
             text_tokenizer="qformer_tokenizer.json", extra=None):
    """bundle.json. extra: exporter-specific top-level fields (the tiny model's
    model_version and rerank defaults)."""
    m = {"format_version": FORMAT_VERSION, "name": name, "family": "blip2", "image": image,
         "text": {"max_length": text_max_length, "tokenizer": text_tokenizer}, "dims": dims}
    if llm is not None:
        m["llm"] = llm
    m.update(extra or {})
    m["graphs"] = graphs
    m["files"] = files
    return m
