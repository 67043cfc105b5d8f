"""Retrieval scoring shared by validation (during training) and eval."""
import torch


@torch.no_grad()
def encode_images(s1, trunk_fn, pixels, batch=256):
    trunks, queries = [], []
    for i in range(0, len(pixels), batch):
        t = trunk_fn(pixels[i:i + batch])
        trunks.append(t)
        queries.append(s1.image_queries(t))
    return torch.cat(trunks), torch.cat(queries)


@torch.no_grad()
def encode_texts(s1, ds, texts, batch=512):
    out = []
    for i in range(0, len(texts), batch):
        ids, mask = ds.pad_texts(texts[i:i + batch])
        out.append(s1.text_embeds(ids, mask))
    return torch.cat(out)


def itc_matrix(queries, texts):
    """[images, texts] = max over the 32 query vectors of the dot product."""
    return torch.einsum("iqe,te->itq", queries, texts).max(-1).values


def recall(sim, ks=(1, 5, 10)):
    """sim[query, candidate]; the right candidate of query i is i."""
    target = sim.diagonal().unsqueeze(1)
    rank = (sim > target).sum(1)
    return {k: (rank < k).float().mean().item() for k in ks}


@torch.no_grad()
def rerank(sim, k, itm_fn):
    """LAVIS fusion on the top k of each row: ITC + mean ITM class-1 logit.
    itm_fn(rows, cols) -> [n, 2] logits for pairs (row i, column j).
    Candidates outside the top k keep their ITC order, below every reranked one."""
    out = sim - 1e4
    top = sim.topk(min(k, sim.shape[1]), dim=1).indices
    for i in range(sim.shape[0]):
        cols = top[i]
        logits = itm_fn(torch.full_like(cols, i), cols)
        out[i, cols] = sim[i, cols] + logits[:, 1]
    return out
