"""Write a small random-init BLIP-2 pair as local HF checkpoints, for the
export + parity path without the real weights:

    tools/python tools/export/random_model.py --out DIR    # DIR/itm, DIR/caption

Same classes and layout as the real ones (Blip2ForImageTextRetrieval;
Blip2ForConditionalGeneration with an OPT language model), small widths:
ViT 224 px / patch 14 (257 tokens like ViT-g) width 64, 2 blocks; Q-Former
width 64, 2 layers, 32 queries, cross-attention every other layer; OPT-shaped
LM width 64, 2 layers, 4 heads. Both checkpoints share one vision trunk (as
the real ones do), each has its own post_layernorm, Q-Former and heads. The
tokenizers are the repository's tiny-blip2 ones (bert-base-uncased
WordPiece + [DEC]; GPT-2 BPE, so bos/eos = 50256 and "\\n" = 198, not OPT's
2 and 50118). The two vocabulary tables are rounded to float16 values so the
bundle stores them in float16 exactly (as tiny-blip2 does). Needs transformers.
"""
import argparse
import os
import shutil
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TINY = os.path.join(ROOT, "models", "tiny-blip2")


def configs():
    from transformers import Blip2Config
    vision = dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                  image_size=224, patch_size=14, qkv_bias=True, layer_norm_eps=1e-6)
    qformer = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                   encoder_hidden_size=64, vocab_size=30523, cross_attention_frequency=2,
                   max_position_embeddings=512)
    text = dict(model_type="opt", hidden_size=64, ffn_dim=256, num_hidden_layers=2, num_attention_heads=4,
                vocab_size=50257, max_position_embeddings=128, word_embed_proj_dim=64,
                bos_token_id=50256, eos_token_id=50256, pad_token_id=50256, do_layer_norm_before=True)
    common = dict(vision_config=vision, qformer_config=qformer, text_config=text, num_query_tokens=32)
    return Blip2Config(image_text_hidden_size=32, **common), Blip2Config(**common)


def tokenizers():
    from transformers import PreTrainedTokenizerFast
    bert = PreTrainedTokenizerFast(tokenizer_file=os.path.join(TINY, "qformer_tokenizer.json"),
                                   unk_token="[UNK]", sep_token="[SEP]", pad_token="[PAD]", cls_token="[CLS]",
                                   mask_token="[MASK]", bos_token="[DEC]", model_max_length=512)
    gpt2 = PreTrainedTokenizerFast(tokenizer_file=os.path.join(TINY, "llm_tokenizer.json"),
                                   bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                   unk_token="<|endoftext|>", pad_token="<|endoftext|>")
    return bert, gpt2


def processor():
    from transformers import BlipImageProcessor
    return BlipImageProcessor(size={"height": 224, "width": 224}, resample=3, do_rescale=True,
                              rescale_factor=1 / 255, do_normalize=True, do_convert_rgb=True,
                              image_mean=[0.48145466, 0.4578275, 0.40821073],
                              image_std=[0.26862954, 0.26130258, 0.27577711])


def build(seed=0):
    from transformers import Blip2ForConditionalGeneration, Blip2ForImageTextRetrieval
    itm_cfg, cap_cfg = configs()
    torch.manual_seed(seed)
    itm = Blip2ForImageTextRetrieval(itm_cfg).eval()
    cap = Blip2ForConditionalGeneration(cap_cfg).eval()
    with torch.no_grad():
        # random query tokens (HF initialises them to zero, which would make all 32 queries alike)
        for m in (itm, cap):
            m.query_tokens.normal_(0, 0.5)
        # one shared trunk; post_layernorm stays per checkpoint and is made non-trivial
        trunk = {k: v for k, v in itm.vision_model.state_dict().items() if not k.startswith("post_layernorm")}
        cap.vision_model.load_state_dict(trunk, strict=False)
        for m in (itm, cap):
            m.vision_model.post_layernorm.weight.normal_(1, 0.1)
            m.vision_model.post_layernorm.bias.normal_(0, 0.1)
        for table in (itm.embeddings.word_embeddings.weight, cap.language_model.get_input_embeddings().weight):
            table.copy_(table.half().float())
    return itm, cap


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    itm, cap = build(args.seed)
    bert, gpt2 = tokenizers()
    for sub, model, tok in (("itm", itm, bert), ("caption", cap, gpt2)):
        d = os.path.join(args.out, sub)
        if os.path.isdir(d):
            shutil.rmtree(d)
        model.save_pretrained(d)
        tok.save_pretrained(d)
        processor().save_pretrained(d)
        print("wrote", d, file=sys.stderr)


if __name__ == "__main__":
    main()
