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
def itm_top(sim, k, itm_fn, batch=512):
    """The ITC top k of each row and the ITM class-1 logit of each of those
    pairs: ([rows, k] column indices, [rows, k] logits), in ITC order.
    itm_fn(rows, cols) -> [n, 2] logits for pairs (row i, column j)."""
    top = sim.topk(min(k, sim.shape[1]), dim=1).indices
    rows = torch.arange(sim.shape[0]).unsqueeze(1).expand_as(top).reshape(-1)
    cols = top.reshape(-1)
    logits = torch.cat([itm_fn(rows[i:i + batch], cols[i:i + batch])[:, 1]
                        for i in range(0, len(rows), batch)])
    return top, logits.view_as(top.float())


def fuse(sim, top, logits, weight=1.0, depth=None):
    """ITC + weight x ITM class-1 logit on the first `depth` of each row's top
    (LAVIS fusion at weight 1); the rest keep their ITC order below them."""
    depth = depth or top.shape[1]
    out = sim - 1e4
    t, l = top[:, :depth], logits[:, :depth]
    return out.scatter(1, t, sim.gather(1, t) + weight * l)


def rerank(sim, k, itm_fn, weight=1.0):
    """ITC top k of each row reranked by ITC + weight x ITM (LAVIS at 1)."""
    top, logits = itm_top(sim, k, itm_fn)
    return fuse(sim, top, logits, weight)
