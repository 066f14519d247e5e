// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch geo: what the agent would decide for each address, and why. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "util/addr.h"
#include "geo/border.h"
#include "cmd/cmd.h"
#include "config/inputs.h"
#include "geo/geo.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "policy/policy.h"

static const char usage[] =
    "Usage: egresswatch geo [OPTIONS] ADDRESS...\n"
    "\n"
    "For each IPv4 or IPv6 ADDRESS, print the border decision the agent would\n"
    "record (domestic, cross_border, local, unknown), what decided it (a policy\n"
    "network, the geolocation database, a special-purpose range), the country,\n"
    "ASN and AS name, and the reasons for human review (anycast, unknown).\n"
    "\n"
    "Options:\n"
    "  -g, --geo-db FILE     geolocation database, libloc or MaxMind DB (repeatable;\n"
    "                        default: the config's geo_db, else\n"
    "                        " EW_GEO_DEFAULT_DB ")\n"
    "  -p, --policy FILE     policy with domestic countries and networks (default\n"
    "                        " EW_DEFAULT_POLICY " when it exists)\n"
    "  -c, --config FILE     config whose geo_db to use (default\n"
    "                        " EW_DEFAULT_CONFIG " when it exists)\n"
    "  -j, --json            one JSON object per address\n"
    "  -h, --help            this text\n"
    "\n"
    "Exit status: 0 answered, 1 database unusable, 2 bad address, option or policy.\n";

static void print_one(const char *ip, const struct ew_place *pl, bool json)
{
	char review[32] = "";

	if (pl->review & EW_REVIEW_ANYCAST)
		strcat(review, "anycast");
	if (pl->review & EW_REVIEW_UNKNOWN)
		strcat(review, review[0] ? ",unknown" : "unknown");
	if (json) {
		struct ew_jsonw w;

		ew_jsonw_init(&w);
		ew_jsonw_obj_begin(&w, NULL);
		ew_jsonw_str(&w, "ip", ip);
		ew_jsonw_str(&w, "border", ew_border_name(pl->border));
		ew_jsonw_str(&w, "decided_by", ew_border_by_name(pl->by));
		if (pl->country[0])
			ew_jsonw_str(&w, "country", pl->country);
		if (pl->asn)
			ew_jsonw_u64(&w, "asn", pl->asn);
		if (pl->as_org[0])
			ew_jsonw_str(&w, "as_org", pl->as_org);
		if (pl->net_name[0])
			ew_jsonw_str(&w, "network", pl->net_name);
		ew_jsonw_arr_begin(&w, "review_reasons");
		if (pl->review & EW_REVIEW_ANYCAST)
			ew_jsonw_str(&w, NULL, "anycast");
		if (pl->review & EW_REVIEW_UNKNOWN)
			ew_jsonw_str(&w, NULL, "unknown");
		ew_jsonw_arr_end(&w);
		ew_jsonw_obj_end(&w);
		printf("%.*s\n", (int)w.len, w.buf);
		ew_jsonw_free(&w);
		return;
	}
	printf("%-40s %-13s by %-13s country %-2s  AS%-6u %-24s%s%s%s%s\n", ip,
	       ew_border_name(pl->border), ew_border_by_name(pl->by),
	       pl->country[0] ? pl->country : "--", pl->asn, pl->as_org[0] ? pl->as_org : "-",
	       pl->net_name[0] ? "  network " : "", pl->net_name, review[0] ? "  review: " : "",
	       review);
}

int ew_cmd_geo(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"geo-db", required_argument, NULL, 'g'}, {"policy", required_argument, NULL, 'p'},
	    {"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},	      {0},
	};
	struct ew_input_args a = {.cmd = "geo", .geo_required = true, .skip_taxonomy = true};
	struct ew_inputs in;
	bool json = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "g:p:c:jh", longs, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (ew_input_args_geo_db(&a, optarg))
				return EW_EXIT_USAGE;
			break;
		case 'p':
			a.policy = optarg;
			break;
		case 'c':
			a.config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EW_EXIT_OK;
		default:
			fputs("Try 'egresswatch geo --help'.\n", stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs("egresswatch geo: give at least one ADDRESS\nTry 'egresswatch geo --help'.\n",
		      stderr);
		return EW_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		uint8_t addr[16];

		if (ew_addr_parse(argv[i], addr)) {
			ew_err("\"%s\" is not an IPv4 or IPv6 address", argv[i]);
			return EW_EXIT_USAGE;
		}
	}
	/* The database lines would interleave with the answers. */
	ew_log_set_level(EW_LOG_WARN);
	rc = ew_inputs_load(&a, &in);
	if (rc)
		return ew_cmd_exit_status(rc);
	for (int i = optind; i < argc; i++) {
		struct ew_place pl;
		uint8_t addr[16];

		ew_addr_parse(argv[i], addr);
		ew_border_decide(&in.pol, in.geo, addr, &pl);
		print_one(argv[i], &pl, json);
	}
	ew_inputs_free(&in);
	return EW_EXIT_OK;
}
