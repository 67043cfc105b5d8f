"""Greedy captioning with the KV cache, in PyTorch: the reference the Java
generator is checked against (golden caption ids) and what eval uses."""
import torch


@torch.no_grad()
def greedy(lm, prefix, prompt_ids, bos_id, stop_id, max_new_tokens=20, min_new_tokens=0):
    """prefix [B,32,Dl] -> list of generated id lists (stop token included when
    produced). Input = [prefix ; embed([bos] + prompt)], all rows same length."""
    b = prefix.shape[0]
    ids = torch.tensor([[bos_id] + list(prompt_ids)] * b, dtype=torch.long)
    embeds = torch.cat([prefix, lm.embed_tokens(ids)], 1)
    mask = torch.ones(b, embeds.shape[1], dtype=torch.long)
    past = lm.empty_past(b)
    out = [[] for _ in range(b)]
    done = [False] * b
    for step in range(max_new_tokens):
        logits, past = lm(embeds, mask, past)
        last = logits[:, -1]
        if step < min_new_tokens:
            last[:, stop_id] = float("-inf")
        nxt = last.argmax(-1)
        for i in range(b):
            if not done[i]:
                out[i].append(int(nxt[i]))
                done[i] = int(nxt[i]) == stop_id
        if all(done):
            break
        embeds = lm.embed_tokens(nxt[:, None])
        mask = torch.cat([mask, torch.ones(b, 1, dtype=torch.long)], 1)
    return out


def caption_text(tok, ids, stop_id):
    return tok.decode([i for i in ids if i != stop_id]).strip()
