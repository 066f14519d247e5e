// SPDX-License-Identifier: GPL-2.0-only
#include "policy/labels.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/eval.h"
#include "util/addr.h"

struct sel_key {
	const char *key;
	const char *example;
	size_t max; /* bytes of the pattern */
};

static const struct sel_key sel_keys[EW_SEL_MAX] = {
    [EW_SEL_CONTAINER] = {"container_id", "\"3f2a9c1b7d4e\"", 64},
    [EW_SEL_UNIT] = {"systemd_unit", "\"dms-*.service\"", 255},
    [EW_SEL_EXE] = {"executable", "\"/opt/dms/bin/*\"", 1023},
    [EW_SEL_CGROUP] = {"cgroup", "\"/system.slice/dms.service\"", 1023},
    [EW_SEL_CMDLINE] = {"command_line", "\"python3 /srv/train/*\"", 1023},
};

void ew_labels_free(struct ew_labels *l)
{
	for (int i = 0; i < l->n_workloads; i++)
		for (int s = 0; s < EW_SEL_MAX; s++)
			ew_glob_free(&l->workloads[i].sel[s]);
	free(l->workloads);
	for (int i = 0; i < l->n_dests; i++) {
		struct ew_dest_label *d = &l->dests[i];

		for (int j = 0; j < d->n_domains; j++)
			free(d->domains[j]);
		free(d->domains);
		free(d->domain_len);
		free(d->nets);
	}
	free(l->dests);
	free(l->cats);
	free(l->cat_path);
	memset(l, 0, sizeof(*l));
}

static bool category_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= EW_LABELS_CAT_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static int intern_category(struct ew_labels *l, const char *id, const char *path)
{
	for (int i = 0; i < l->n_cats; i++)
		if (strcmp(l->cats[i], id) == 0)
			return i;
	if (l->n_cats == EW_LABELS_MAX_CATS)
		return -ENOSPC;
	if (!l->cats) {
		l->cats = calloc(EW_LABELS_MAX_CATS, sizeof(*l->cats));
		l->cat_path = calloc(EW_LABELS_MAX_CATS, sizeof(*l->cat_path));
		if (!l->cats || !l->cat_path)
			return -ENOMEM;
	}
	snprintf(l->cats[l->n_cats], sizeof(l->cats[0]), "%s", id);
	snprintf(l->cat_path[l->n_cats], sizeof(l->cat_path[0]), "%s", path);
	return l->n_cats++;
}

/* "categories": [...] of one entry at @path into @cats. */
static int parse_categories(struct ew_jc *jc, struct ew_labels *l, const cJSON *arr,
			    const char *path, uint16_t *cats, uint8_t *n_cats)
{
	char p[96];
	const cJSON *v;
	int i = 0;

	snprintf(p, sizeof(p), "%s.categories", path);
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > EW_LABELS_MAX_ENTRY_CATS)
		return ew_jc_fail(
		    jc, arr ? p : path,
		    "%s 1 to %d category ids of the taxonomy, like [\"biometric\"]",
		    arr ? "expected" : "missing \"categories\":", EW_LABELS_MAX_ENTRY_CATS);
	cJSON_ArrayForEach(v, arr)
	{
		int c;

		snprintf(p, sizeof(p), "%s.categories[%d]", path, i);
		if (!cJSON_IsString(v) || !category_id(v->valuestring))
			return ew_jc_fail(
			    jc, p,
			    "expected a category id of 1 to 31 characters a-z, 0-9, _ "
			    "(like \"cabin_media\")%s%s%s",
			    cJSON_IsString(v) ? ", got \"" : "",
			    cJSON_IsString(v) ? v->valuestring : "", cJSON_IsString(v) ? "\"" : "");
		c = intern_category(l, v->valuestring, p);
		if (c == -ENOSPC)
			return ew_jc_fail(jc, p, "more than %d distinct categories in the policy",
					  EW_LABELS_MAX_CATS);
		if (c < 0)
			return c;
		for (int k = 0; k < *n_cats; k++)
			if (cats[k] == c)
				return ew_jc_fail(jc, p, "\"%s\" is listed twice", v->valuestring);
		cats[(*n_cats)++] = (uint16_t)c;
		i++;
	}
	return 0;
}

static int parse_name(struct ew_jc *jc, const cJSON *v, const char *path, char *name)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "name");

	if (!cJSON_IsString(n) || !n->valuestring[0] ||
	    strlen(n->valuestring) >= EW_LABELS_NAME_LEN || ew_jc_has_control(n->valuestring))
		return ew_jc_fail(jc, path,
				  "\"name\" must be a string of 1 to %d bytes without control "
				  "characters: records carry it",
				  EW_LABELS_NAME_LEN - 1);
	snprintf(name, EW_LABELS_NAME_LEN, "%s", n->valuestring);
	return 0;
}

static bool hex_lower(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int parse_selector(struct ew_jc *jc, const cJSON *m, const char *path, int s,
			  struct ew_glob *g)
{
	const struct sel_key *k = &sel_keys[s];
	const char *why;
	char p[96];
	size_t n;
	int rc;

	snprintf(p, sizeof(p), "%s.%s", path, k->key);
	if (!cJSON_IsString(m) || !m->valuestring[0] || strlen(m->valuestring) > k->max)
		return ew_jc_fail(jc, p,
				  "expected a non-empty string of at most %zu bytes, like %s",
				  k->max, k->example);
	if (ew_jc_has_control(m->valuestring))
		return ew_jc_fail(jc, p, "control character in \"%s\"", m->valuestring);
	n = strlen(m->valuestring);
	if (s == EW_SEL_CONTAINER) {
		if (n < 12 || !hex_lower(m->valuestring))
			return ew_jc_fail(jc, p,
					  "expected the container id or its first 12 or more "
					  "characters, lowercase hex (as `docker ps` shows it), "
					  "got \"%s\"",
					  m->valuestring);
		/* a prefix compare, as the runtimes' short ids mean */
		return ew_glob_literal_prefix(g, m->valuestring);
	}
	rc = ew_glob_compile(g, m->valuestring, &why);
	if (rc == -EINVAL)
		return ew_jc_fail(jc, p, "glob \"%s\" %s", m->valuestring, why);
	return rc;
}

unsigned int ew_labels_enforceable(const struct ew_workload_label *w)
{
	unsigned int m = 0;

	for (int s = 0; s < EW_SEL_MAX; s++)
		if (w->sel[s].pat && (EW_SEL_KERNEL & (1u << s)))
			m |= 1u << s;
	return m;
}

/*
 * The kernel decides with the selectors it can see: none is an error (the
 * workload would never be enforced while the operator thinks it is); a
 * command line beside others is a warning, as it is left out and every
 * process the others match is enforced (more refused, never fewer).
 */
static int check_enforce(struct ew_jc *jc, const struct ew_workload_label *w, const char *path)
{
	char p[64];

	snprintf(p, sizeof(p), "%s.enforce", path);
	if (!ew_labels_enforceable(w))
		return ew_jc_fail(jc, p,
				  "cannot be enforced in the kernel: a command line is not known "
				  "at connect(); select the workload by executable, systemd_unit, "
				  "cgroup or container_id");
	if (w->sel[EW_SEL_EXE].pat && w->sel[EW_SEL_EXE].pat[0] != '/')
		return ew_jc_fail(jc, p,
				  "an enforced executable glob must be an absolute path, like "
				  "\"/opt/dms/bin/*\": its files are found under its directory at "
				  "load");
	if (w->sel[EW_SEL_CMDLINE].pat)
		ew_jc_warn(jc, p,
			   "command_line is not known at connect(): the kernel enforces every "
			   "process the other selectors match, whatever its command line");
	return 0;
}

static int parse_workload(struct ew_jc *jc, struct ew_labels *l, const cJSON *v, int idx)
{
	struct ew_workload_label *w = &l->workloads[idx];
	const cJSON *m;
	char path[48];
	int rc, given = 0;

	snprintf(path, sizeof(path), "$.workloads[%d]", idx);
	if (!cJSON_IsObject(v))
		return ew_jc_fail(jc, path,
				  "expected an object with name, categories and selectors "
				  "(executable, command_line, cgroup, container_id, systemd_unit)");
	cJSON_ArrayForEach(m, v)
	{
		int s;

		if (cJSON_GetObjectItemCaseSensitive(v, m->string) != m)
			return ew_jc_fail(jc, path, "key \"%s\" given twice", m->string);
		if (!strcmp(m->string, "name") || !strcmp(m->string, "categories"))
			continue;
		if (!strcmp(m->string, "enforce")) {
			if (!cJSON_IsBool(m))
				return ew_jc_fail(
				    jc, path,
				    "\"enforce\" must be true or false (default false: "
				    "monitor only)");
			w->enforce = cJSON_IsTrue(m);
			continue;
		}
		for (s = 0; s < EW_SEL_MAX; s++)
			if (!strcmp(m->string, sel_keys[s].key))
				break;
		if (s == EW_SEL_MAX)
			return ew_jc_fail(jc, path,
					  "unknown key \"%s\" (known keys: name, categories, "
					  "enforce, executable, command_line, cgroup, "
					  "container_id, systemd_unit)",
					  m->string);
		rc = parse_selector(jc, m, path, s, &w->sel[s]);
		if (rc)
			return rc;
		given++;
	}
	rc = parse_name(jc, v, path, w->name);
	if (rc)
		return rc;
	for (int i = 0; i < idx; i++)
		if (!strcmp(l->workloads[i].name, w->name))
			return ew_jc_fail(jc, path, "name \"%s\" is already $.workloads[%d]'s",
					  w->name, i);
	if (!given)
		return ew_jc_fail(jc, path,
				  "no selector: give at least one of executable, command_line, "
				  "cgroup, container_id, systemd_unit (all given must match)");
	rc = parse_categories(jc, l, cJSON_GetObjectItemCaseSensitive(v, "categories"), path,
			      w->cats, &w->n_cats);
	if (!rc && w->enforce)
		rc = check_enforce(jc, w, path);
	return rc;
}

/* A domain as DNS spells it, lowercased into @out; NULL when it is not one. */
static const char *domain_check(const char *s, char *out, size_t outlen)
{
	size_t n = strlen(s), label = 0;

	if (n && s[n - 1] == '.')
		n--;
	if (!n || n > 253 || n >= outlen)
		return "is not a domain name of 1 to 253 characters";
	if (s[0] == '.' || s[0] == '*')
		return "starts with '.' or '*': write the domain itself, its subdomains match too";
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '.') {
			if (!label)
				return "has an empty label";
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			   c == '_') {
			if (++label > 63)
				return "has a label longer than 63 characters";
		} else {
			return "has a character other than letters, digits, '-', '_' and '.'";
		}
		out[i] = c;
	}
	out[n] = '\0';
	return NULL;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void net_masks(struct ew_dest_net *n)
{
	unsigned int pl = n->prefix;

	n->mhi = pl >= 64 ? ~0ull : pl ? ~0ull << (64 - pl) : 0;
	n->mlo = pl <= 64 ? 0 : pl >= 128 ? ~0ull : ~0ull << (128 - pl);
	n->hi = be64(n->addr) & n->mhi;
	n->lo = be64(n->addr + 8) & n->mlo;
}

static int parse_dest_nets(struct ew_jc *jc, const cJSON *arr, const char *path,
			   struct ew_dest_label *d)
{
	const cJSON *v;
	char p[96];
	int i = 0;

	snprintf(p, sizeof(p), "%s.networks", path);
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > EW_LABELS_MAX_DEST_NETS)
		return ew_jc_fail(jc, p,
				  "expected an array of at most %d CIDRs, like [\"10.20.0.0/16\"]",
				  EW_LABELS_MAX_DEST_NETS);
	d->nets = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*d->nets));
	if (!d->nets)
		return -ENOMEM;
	cJSON_ArrayForEach(v, arr)
	{
		int rc = -EINVAL;

		snprintf(p, sizeof(p), "%s.networks[%d]", path, i);
		if (cJSON_IsString(v))
			rc = ew_cidr_parse(v->valuestring, d->nets[i].addr, &d->nets[i].prefix);
		if (rc == -EDOM)
			return ew_jc_fail(jc, p,
					  "cidr \"%s\" has host bits set after the prefix length",
					  v->valuestring);
		if (rc)
			return ew_jc_fail(jc, p,
					  "expected ADDRESS/PREFIX, like \"10.20.0.0/16\" or "
					  "\"2001:db8::/32\"");
		net_masks(&d->nets[i]);
		d->n_nets = ++i;
	}
	return 0;
}

static int parse_dest_domains(struct ew_jc *jc, const cJSON *arr, const char *path,
			      struct ew_dest_label *d)
{
	const cJSON *v;
	char p[96], dom[256];
	int i = 0;

	snprintf(p, sizeof(p), "%s.domains", path);
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > EW_LABELS_MAX_DEST_DOMAINS)
		return ew_jc_fail(jc, p,
				  "expected an array of at most %d domains, like [\"example.com\"]",
				  EW_LABELS_MAX_DEST_DOMAINS);
	d->domains = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*d->domains));
	d->domain_len = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*d->domain_len));
	if (!d->domains || !d->domain_len)
		return -ENOMEM;
	cJSON_ArrayForEach(v, arr)
	{
		const char *why = "is not a string";

		snprintf(p, sizeof(p), "%s.domains[%d]", path, i);
		if (cJSON_IsString(v))
			why = domain_check(v->valuestring, dom, sizeof(dom));
		if (why)
			return ew_jc_fail(jc, p,
					  "expected a domain like \"example.com\": \"%s\" %s",
					  cJSON_IsString(v) ? v->valuestring : "", why);
		d->domains[i] = strdup(dom);
		if (!d->domains[i])
			return -ENOMEM;
		d->domain_len[i] = (uint16_t)strlen(dom);
		d->n_domains = ++i;
	}
	return 0;
}

static int parse_dest(struct ew_jc *jc, struct ew_labels *l, const cJSON *v, int idx)
{
	struct ew_dest_label *d = &l->dests[idx];
	const cJSON *m, *nets, *doms;
	char path[48];
	int rc;

	snprintf(path, sizeof(path), "$.destinations[%d]", idx);
	if (!cJSON_IsObject(v))
		return ew_jc_fail(jc, path,
				  "expected an object with name, categories, and networks "
				  "and/or domains");
	cJSON_ArrayForEach(m, v)
	{
		if (cJSON_GetObjectItemCaseSensitive(v, m->string) != m)
			return ew_jc_fail(jc, path, "key \"%s\" given twice", m->string);
		if (strcmp(m->string, "name") && strcmp(m->string, "categories") &&
		    strcmp(m->string, "networks") && strcmp(m->string, "domains"))
			return ew_jc_fail(jc, path,
					  "unknown key \"%s\" (known keys: name, categories, "
					  "networks, domains)",
					  m->string);
	}
	rc = parse_name(jc, v, path, d->name);
	if (rc)
		return rc;
	for (int i = 0; i < idx; i++)
		if (!strcmp(l->dests[i].name, d->name))
			return ew_jc_fail(jc, path, "name \"%s\" is already $.destinations[%d]'s",
					  d->name, i);
	nets = cJSON_GetObjectItemCaseSensitive(v, "networks");
	doms = cJSON_GetObjectItemCaseSensitive(v, "domains");
	if (nets && (rc = parse_dest_nets(jc, nets, path, d)))
		return rc;
	if (doms && (rc = parse_dest_domains(jc, doms, path, d)))
		return rc;
	if (!d->n_nets && !d->n_domains)
		return ew_jc_fail(jc, path,
				  "names no destination: give \"networks\" or \"domains\" (either "
				  "matching is enough)");
	return parse_categories(jc, l, cJSON_GetObjectItemCaseSensitive(v, "categories"), path,
				d->cats, &d->n_cats);
}

int ew_labels_parse(struct ew_jc *jc, const cJSON *workloads, const cJSON *dests,
		    struct ew_labels *l)
{
	const cJSON *v;
	int rc, i = 0;

	snprintf(l->file, sizeof(l->file), "%s", jc->file);
	if (workloads) {
		if (!cJSON_IsArray(workloads) ||
		    cJSON_GetArraySize(workloads) > EW_LABELS_MAX_WORKLOADS)
			return ew_jc_fail(jc, "$.workloads",
					  "expected an array of at most %d labels",
					  EW_LABELS_MAX_WORKLOADS);
		l->workloads =
		    calloc((size_t)cJSON_GetArraySize(workloads) + 1, sizeof(*l->workloads));
		if (!l->workloads)
			return -ENOMEM;
		cJSON_ArrayForEach(v, workloads)
		{
			/* counted first: a half-parsed entry's globs are freed too */
			l->n_workloads = i + 1;
			rc = parse_workload(jc, l, v, i++);
			if (rc)
				return rc;
		}
	}
	if (!dests)
		return 0;
	if (!cJSON_IsArray(dests) || cJSON_GetArraySize(dests) > EW_LABELS_MAX_DESTINATIONS)
		return ew_jc_fail(jc, "$.destinations", "expected an array of at most %d labels",
				  EW_LABELS_MAX_DESTINATIONS);
	l->dests = calloc((size_t)cJSON_GetArraySize(dests) + 1, sizeof(*l->dests));
	if (!l->dests)
		return -ENOMEM;
	i = 0;
	cJSON_ArrayForEach(v, dests)
	{
		l->n_dests = i + 1;
		rc = parse_dest(jc, l, v, i++);
		if (rc)
			return rc;
	}
	return 0;
}

void ew_labels_view(const struct ew_owner *o, struct ew_workload_view *v)
{
	memset(v, 0, sizeof(*v));
	if (!o->known)
		return;
	if (o->proc) {
		v->exe = o->proc->exe;
		v->cmdline = o->proc->cmdline;
	}
	if (o->cgroup) {
		v->cgroup = o->cgroup->path;
		v->container_id = o->cgroup->info.container_id;
		v->unit = o->cgroup->info.unit;
	}
}

int ew_labels_workload(const struct ew_labels *l, const struct ew_workload_view *v, ew_labels_fn fn,
		       void *arg)
{
	const char *in[EW_SEL_MAX] = {
	    [EW_SEL_CONTAINER] = v->container_id,
	    [EW_SEL_UNIT] = v->unit,
	    [EW_SEL_EXE] = v->exe,
	    [EW_SEL_CGROUP] = v->cgroup,
	    [EW_SEL_CMDLINE] = v->cmdline,
	};
	int hits = 0;

	for (int i = 0; i < l->n_workloads; i++) {
		const struct ew_workload_label *w = &l->workloads[i];
		int s;

		for (s = 0; s < EW_SEL_MAX; s++)
			if (w->sel[s].pat && !ew_glob_match(&w->sel[s], in[s]))
				break;
		if (s < EW_SEL_MAX)
			continue;
		hits++;
		for (int c = 0; c < w->n_cats; c++)
			fn(arg, w->cats[c], l->cats[w->cats[c]], w->name);
	}
	return hits;
}

int ew_labels_owner(const struct ew_labels *l, const struct ew_owner *o, ew_labels_fn fn, void *arg)
{
	struct ew_workload_view v;

	if (!l->n_workloads)
		return 0;
	ew_labels_view(o, &v);
	return ew_labels_workload(l, &v, fn, arg);
}

static bool in_net(const struct ew_dest_net *n, uint64_t hi, uint64_t lo)
{
	return ((hi & n->mhi) == n->hi) & ((lo & n->mlo) == n->lo);
}

/* @dom is lowercase, @n bytes without a trailing dot. */
static bool in_domain(const struct ew_dest_label *d, const char *dom, size_t n)
{
	for (int i = 0; i < d->n_domains; i++) {
		size_t k = d->domain_len[i];

		if (n < k || dom[n - k] != d->domains[i][0] ||
		    memcmp(dom + n - k, d->domains[i], k))
			continue;
		if (n == k || dom[n - k - 1] == '.')
			return true;
	}
	return false;
}

int ew_labels_destination(const struct ew_labels *l, const uint8_t *addr, const char *domain,
			  ew_labels_fn fn, void *arg)
{
	uint64_t hi = addr ? be64(addr) : 0, lo = addr ? be64(addr + 8) : 0;
	size_t n = domain ? strnlen(domain, 256) : 0;
	char dom[256];
	int hits = 0;

	if (!l->n_dests)
		return 0;
	if (n && domain[n - 1] == '.')
		n--;
	if (n > 253)
		n = 0; /* no name of ours is that long */
	for (size_t i = 0; i < n; i++)
		dom[i] = (char)((domain[i] >= 'A' && domain[i] <= 'Z') ? domain[i] - 'A' + 'a'
								       : domain[i]);
	for (int i = 0; i < l->n_dests; i++) {
		const struct ew_dest_label *d = &l->dests[i];
		bool match = false;

		for (int j = 0; addr && j < d->n_nets && !match; j++)
			match = in_net(&d->nets[j], hi, lo);
		if (!match && n)
			match = in_domain(d, dom, n);
		if (!match)
			continue;
		hits++;
		for (int c = 0; c < d->n_cats; c++)
			fn(arg, d->cats[c], l->cats[d->cats[c]], d->name);
	}
	return hits;
}

int ew_labels_check_categories(const struct ew_labels *l, bool (*known)(void *arg, const char *id),
			       void *arg, char *err, size_t errlen)
{
	struct ew_jc jc = {.file = l->file, .err = err, .errlen = errlen};

	for (int i = 0; i < l->n_cats; i++)
		if (!known(arg, l->cats[i]))
			return ew_jc_fail(&jc, l->cat_path[i],
					  "unknown category \"%s\": not an id of the taxonomy",
					  l->cats[i]);
	return 0;
}
