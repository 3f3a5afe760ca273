// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster allocator: a pool's free data clusters, as extents in an
 * rbtree ordered by start.  Each node also knows the longest extent in its
 * subtree (RB_DECLARE_CALLBACKS_MAX), so that allocating and freeing are
 * O(log n):
 *   - thick replicas take the first extent long enough for all they need
 *     (contiguous first), else the longest extents there are;
 *   - thin replicas take one cluster at a time, from the lowest extent;
 *   - a free merges with its neighbours; a free that overlaps a free
 *     extent is a double free and is refused.
 *
 * The allocator lives only in memory: import rebuilds it from the space
 * map (nexus_alloc_put() of every run of free clusters).
 *
 * Locking: alloc->lock (a spinlock) guards the tree and nr_free.  Callers
 * never hold it; every function here takes it.
 */
#include <linux/rbtree_augmented.h>
#include <linux/slab.h>

#include "nexus.h"

struct nexus_extent {
	struct rb_node rb;
	u32 start;
	u32 len;
	u32 subtree_max;	/* the longest len in this subtree */
};

static inline u32 nexus_extent_len(struct nexus_extent *e)
{
	return e->len;
}

RB_DECLARE_CALLBACKS_MAX(static, nexus_extent_cb, struct nexus_extent, rb, u32,
			 subtree_max, nexus_extent_len)

#define nexus_extent_of(node) rb_entry(node, struct nexus_extent, rb)

void nexus_alloc_init(struct nexus_alloc *a, u32 nr_clusters)
{
	spin_lock_init(&a->lock);
	a->free = RB_ROOT;
	a->nr_clusters = nr_clusters;
	a->nr_free = 0;
}

void nexus_alloc_destroy(struct nexus_alloc *a)
{
	struct nexus_extent *e, *next;

	rbtree_postorder_for_each_entry_safe(e, next, &a->free, rb)
		kfree(e);
	a->free = RB_ROOT;
	a->nr_free = 0;
}

static void nexus_alloc_insert(struct nexus_alloc *a, struct nexus_extent *new)
{
	struct rb_node **link = &a->free.rb_node, *parent = NULL;

	lockdep_assert_held(&a->lock);
	new->subtree_max = new->len;
	while (*link) {
		struct nexus_extent *e = nexus_extent_of(*link);

		parent = *link;
		if (e->subtree_max < new->len)
			e->subtree_max = new->len;
		link = new->start < e->start ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&new->rb, parent, link);
	rb_insert_augmented(&new->rb, &a->free, &nexus_extent_cb);
}

static void nexus_alloc_erase(struct nexus_alloc *a, struct nexus_extent *e)
{
	rb_erase_augmented(&e->rb, &a->free, &nexus_extent_cb);
	kfree(e);
}

/* The free extent with the highest start at or below @start, or NULL. */
static struct nexus_extent *nexus_alloc_pred(struct nexus_alloc *a, u32 start)
{
	struct rb_node *n = a->free.rb_node;
	struct nexus_extent *best = NULL;

	while (n) {
		struct nexus_extent *e = nexus_extent_of(n);

		if (e->start <= start) {
			best = e;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}

/* The lowest-starting extent of at least @want clusters, or NULL. */
static struct nexus_extent *nexus_alloc_first_fit(struct nexus_alloc *a, u32 want)
{
	struct rb_node *n = a->free.rb_node;

	if (!n || nexus_extent_of(n)->subtree_max < want)
		return NULL;
	for (;;) {
		struct nexus_extent *e = nexus_extent_of(n);

		if (n->rb_left && nexus_extent_of(n->rb_left)->subtree_max >= want) {
			n = n->rb_left;
			continue;
		}
		if (e->len >= want)
			return e;
		n = n->rb_right;	/* it must be there */
	}
}

/* The longest extent (the lowest-starting of them), or NULL. */
static struct nexus_extent *nexus_alloc_longest(struct nexus_alloc *a)
{
	struct rb_node *n = a->free.rb_node;
	u32 max;

	if (!n)
		return NULL;
	max = nexus_extent_of(n)->subtree_max;
	for (;;) {
		struct nexus_extent *e = nexus_extent_of(n);

		if (n->rb_left && nexus_extent_of(n->rb_left)->subtree_max == max) {
			n = n->rb_left;
			continue;
		}
		if (e->len == max)
			return e;
		n = n->rb_right;
	}
}

/* Take @len clusters from the start of @e. */
static void nexus_alloc_take(struct nexus_alloc *a, struct nexus_extent *e, u32 len,
			     u32 *start)
{
	*start = e->start;
	a->nr_free -= len;
	if (len == e->len) {
		nexus_alloc_erase(a, e);
		return;
	}
	e->start += len;
	e->len -= len;
	nexus_extent_cb_propagate(&e->rb, NULL);
}

/**
 * nexus_alloc_get() - allocate clusters
 * @a: the allocator
 * @want: how many
 * @whole: all @want in one extent, or nothing
 * @start: first cluster allocated
 * @len: how many were (@want, or fewer when !@whole: the longest extent)
 *
 * Return: 0, or -ENOSPC.
 */
int nexus_alloc_get(struct nexus_alloc *a, u32 want, bool whole, u32 *start, u32 *len)
{
	struct nexus_extent *e;
	int err = 0;

	if (!want)
		return -EINVAL;
	spin_lock(&a->lock);
	e = nexus_alloc_first_fit(a, want);
	if (!e && !whole)
		e = nexus_alloc_longest(a);
	if (e) {
		*len = min(want, e->len);
		nexus_alloc_take(a, e, *len, start);
	} else {
		err = -ENOSPC;
	}
	spin_unlock(&a->lock);
	return err;
}

/* One cluster, the lowest free one: for thin replicas.  0 or -ENOSPC. */
int nexus_alloc_one(struct nexus_alloc *a, u32 *cluster)
{
	struct rb_node *first;
	int err = 0;

	spin_lock(&a->lock);
	first = rb_first(&a->free);
	if (first)
		nexus_alloc_take(a, nexus_extent_of(first), 1, cluster);
	else
		err = -ENOSPC;
	spin_unlock(&a->lock);
	return err;
}

/**
 * nexus_alloc_put() - free clusters
 * @a: the allocator
 * @start: first cluster
 * @len: how many
 *
 * Return: 0; -EINVAL if the range is outside the pool or overlaps free
 * clusters (a double free: nothing changes); -ENOMEM.
 */
int nexus_alloc_put(struct nexus_alloc *a, u32 start, u32 len)
{
	struct nexus_extent *new, *pred, *succ = NULL;
	u32 end = start + len;
	struct rb_node *next;
	int err = 0;

	if (!len || end < start || end > a->nr_clusters)
		return -EINVAL;
	new = kmalloc(sizeof(*new), GFP_NOIO);

	spin_lock(&a->lock);
	pred = nexus_alloc_pred(a, start);
	next = pred ? rb_next(&pred->rb) : rb_first(&a->free);
	if (next)
		succ = nexus_extent_of(next);
	if ((pred && pred->start + pred->len > start) || (succ && succ->start < end)) {
		err = -EINVAL;
		goto out_unlock;
	}
	if (pred && pred->start + pred->len == start) {
		u32 grow = len;

		/* Erase first: rotations must not see pred half updated. */
		if (succ && succ->start == end) {
			grow += succ->len;
			nexus_alloc_erase(a, succ);
		}
		pred->len += grow;
		nexus_extent_cb_propagate(&pred->rb, NULL);
	} else if (succ && succ->start == end) {
		succ->start = start;
		succ->len += len;
		nexus_extent_cb_propagate(&succ->rb, NULL);
	} else if (new) {
		new->start = start;
		new->len = len;
		nexus_alloc_insert(a, new);
		new = NULL;
	} else {
		err = -ENOMEM;
		goto out_unlock;
	}
	a->nr_free += len;
out_unlock:
	spin_unlock(&a->lock);
	kfree(new);
	return err;
}

/**
 * nexus_alloc_load() - fill an empty allocator from a space map
 * @a: the allocator, just initialised
 * @ref: the refcount of a cluster
 * @arg: for @ref
 *
 * Every run of clusters with refcount 0 becomes a free extent.
 *
 * Return: 0 or -ENOMEM.
 */
int nexus_alloc_load(struct nexus_alloc *a, u16 (*ref)(void *arg, u32 cluster), void *arg)
{
	u32 c = 0, start;
	int err;

	while (c < a->nr_clusters) {
		if (ref(arg, c)) {
			c++;
			continue;
		}
		for (start = c; c < a->nr_clusters && !ref(arg, c); c++)
			;
		err = nexus_alloc_put(a, start, c - start);
		if (err)
			return err;
	}
	return 0;
}

u32 nexus_alloc_free_count(struct nexus_alloc *a)
{
	return READ_ONCE(a->nr_free);
}
