"""The product catalogue (~500 products in 12 categories) and preference-driven product draws."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns, params


@dataclass
class Catalog:
    category: np.ndarray      # category index per product
    band: np.ndarray          # price band index per product (0 budget, 1 mid, 2 premium; terciles per category)
    list_price: np.ndarray    # USD
    names: list[str]
    popularity: np.ndarray    # relative popularity within its category
    table_cdf: np.ndarray     # per (category, band) group g: g + cumulative popularity (increasing)
    table_product: np.ndarray

    @property
    def size(self) -> int:
        return len(self.category)

    def pick(self, category: np.ndarray, band: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One product per element, from the (category, band) group, by popularity."""
        group = category.astype(np.int64) * len(params.PRICE_BANDS) + band
        pos = np.searchsorted(self.table_cdf, group + rng.random(len(group)), side="right")
        return self.table_product[np.minimum(pos, len(self.table_product) - 1)]

    def to_table(self) -> pa.Table:
        n = self.size
        return columns.table("products", {
            "product_id": columns.ids("p", np.arange(1, n + 1)),
            "category": columns.pick(params.CATEGORY_NAMES, self.category),
            "name": pa.array(self.names, type=pa.string()),
            "list_price": columns.floats(self.list_price),
        })


def build_catalog(rng: np.random.Generator) -> Catalog:
    cats = params.CATEGORIES
    popularity = np.array([c.popularity for c in cats])
    per_cat = np.maximum(20, np.round(popularity / popularity.sum() * params.PRODUCTS)).astype(int)
    per_cat[np.argmax(per_cat)] += params.PRODUCTS - per_cat.sum()
    category = np.repeat(np.arange(len(cats)), per_cat)
    median = np.array([c.median_price for c in cats])[category]
    sigma = np.array([c.price_sigma for c in cats])[category]
    raw = median * np.exp(sigma * rng.standard_normal(len(category)))
    list_price = np.maximum(np.floor(raw), 1.0) + 0.99
    pop = np.empty(len(category))
    band = np.empty(len(category), dtype=np.int64)
    names: list[str] = []
    adjectives = params.PRODUCT_ADJECTIVES
    for k, cat in enumerate(cats):
        idx = np.flatnonzero(category == k)
        # Zipf-like popularity in a random order
        ranks = rng.permutation(len(idx)) + 1
        pop[idx] = 1.0 / ranks ** 0.9
        order = np.argsort(list_price[idx], kind="stable")
        tercile = np.empty(len(idx), dtype=np.int64)
        tercile[order] = np.arange(len(idx)) * 3 // len(idx)
        band[idx] = tercile
        adj = rng.integers(0, len(adjectives), len(idx))
        noun = rng.integers(0, len(cat.nouns), len(idx))
        model = rng.integers(100, 1000, len(idx))
        for a, b_, m in zip(adj, noun, model):
            noun_name = cat.nouns[b_]
            names.append(f"{adjectives[a]} {noun_name} {noun_name[0].upper()}-{m}")
    n_bands = len(params.PRICE_BANDS)
    cdfs, prods = [], []
    for g in range(len(cats) * n_bands):
        idx = np.flatnonzero((category == g // n_bands) & (band == g % n_bands))
        w = pop[idx] / pop[idx].sum()
        cdf = np.cumsum(w)
        cdf[-1] = 1.0
        cdfs.append(g + cdf)
        prods.append(idx)
    return Catalog(category=category, band=band, list_price=np.round(list_price, 2), names=names,
                   popularity=pop, table_cdf=np.concatenate(cdfs), table_product=np.concatenate(prods))
