// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "content/enums.h"
#include "content/taxonomy.h"

static char err[1024];

static struct ew_taxonomy *shipped(void)
{
	const char *root = getenv("EW_SOURCE_ROOT");
	struct ew_taxonomy *t = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s/deploy/taxonomy.json", root ? root : ".");
	cr_assert_eq(ew_taxonomy_load(path, &t, err, sizeof(err)), 0, "%s", err);
	return t;
}

Test(taxonomy, shipped_file_has_every_category_of_regulation)
{
	static const char *const ids[] = {"vin",
					  "licence_plate",
					  "mobile_number",
					  "id_number",
					  "trajectory",
					  "cabin_media",
					  "biometric",
					  "vehicle_telemetry",
					  "exterior_media",
					  "sensitive_area_geo",
					  "vehicle_flow_economic",
					  "charging_ops",
					  "source_code",
					  "test_scenario",
					  "adas_model",
					  "hd_map",
					  "connected_ops",
					  "ota_source",
					  "security_vuln"};
	struct ew_taxonomy *t = shipped();

	cr_assert_eq(ew_taxonomy_count(t), 19);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct ew_category *c = ew_taxonomy_find(t, ids[i]);

		cr_assert(c, "%s", ids[i]);
		cr_assert(c->name_zh[0] && c->name_en[0]);
	}
	cr_assert_eq(ew_taxonomy_find(t, "id_number")->cls, EW_CLASS_SENSITIVE_PI);
	cr_assert_eq(ew_taxonomy_find(t, "hd_map")->cls, EW_CLASS_IMPORTANT_DATA);
	cr_assert_eq(ew_taxonomy_find(t, "vin")->cls, EW_CLASS_PI);
	cr_assert(ew_taxonomy_find(t, "vin")->subjects);
	cr_assert_not(ew_taxonomy_find(t, "trajectory")->subjects);
	cr_assert_eq(ew_taxonomy_find(t, "trajectory")->min_points, 5);
	cr_assert_eq(ew_taxonomy_find(t, "trajectory")->n_recognisers, 2);
	cr_assert_eq(ew_taxonomy_find(t, "biometric")->n_recognisers, 0);
	cr_assert_eq(ew_taxonomy_find(t, "vin")->recognisers[0].validator, EW_VALID_VIN);
	cr_assert_null(ew_taxonomy_find(t, "face"));
	cr_assert_str_eq(ew_taxonomy_get(t, 0)->id, "vin");
	cr_assert_null(ew_taxonomy_get(t, 19));
	cr_assert_str_eq(ew_class_name(EW_CLASS_SENSITIVE_PI), "sensitive_pi");
	cr_assert_str_eq(ew_class_name(EW_CLASS_IMPORTANT_DATA), "important_data");
	ew_taxonomy_free(t);
}

static void refused(const char *text, const char *want)
{
	struct ew_taxonomy *t = (struct ew_taxonomy *)1;

	err[0] = '\0';
	cr_assert_eq(ew_taxonomy_parse("tax.json", text, &t, err, sizeof(err)), -EINVAL, "%s",
		     text);
	cr_assert_null(t);
	cr_assert(strstr(err, want), "want \"%s\" in \"%s\"", want, err);
	cr_assert(strncmp(err, "tax.json", 8) == 0, "%s", err);
}

#define CAT(id, cls) "{\"id\":\"" id "\",\"name_zh\":\"中\",\"name_en\":\"E\",\"class\":\"" cls "\""

Test(taxonomy, errors_name_the_path_and_what_was_expected)
{
	refused("{\"version\":1}", "$: missing \"categories\"");
	refused("{\"version\":2,\"categories\":[]}", "$.version");
	refused("{\"version\":1,\"categories\":[" CAT("a", "pi") "}," CAT("a", "pi") "}]}",
		"$.categories[1].id: duplicate id \"a\"");
	refused("{\"version\":1,\"categories\":[" CAT("a", "secret") "}]}",
		"$.categories[0].class: expected one of \"pi\", \"sensitive_pi\"");
	refused("{\"version\":1,\"categories\":[" CAT("A-b", "pi") "}]}",
		"$.categories[0].id: expected 1 to 31 characters of [a-z0-9_]");
	refused("{\"version\":1,\"categories\":[" CAT("a", "pi") ",\"colour\":1}]}",
		"$.categories[0].colour: unknown key");
	refused("{\"version\":1,\"categories\":[{\"id\":\"a\",\"class\":\"pi\"}]}",
		"$.categories[0]: missing \"name_zh\"");
	refused("{\"version\":1,\"categories\":[" CAT("a", "pi") "}," CAT(
		    "b", "pi") ",\"recognisers\":[{"
			       "\"pattern\":\"x\",\"validator\":\"none\"},{\"pattern\":\"y\","
			       "\"validator\":\"isbn\"}]}]}",
		"$.categories[1].recognisers[1].validator: expected one of \"none\", \"vin\"");
	refused("{\"version\":1,\"categories\":[" CAT(
		    "a", "pi") ",\"recognisers\":[{"
			       "\"pattern\":\"a(b\",\"validator\":\"none\"}]}]}",
		"$.categories[0].recognisers[0].pattern: Hyperscan cannot compile \"a(b\": ");
	refused("{\"version\":1,\"categories\":[" CAT(
		    "a", "pi") ",\"recognisers\":[{"
			       "\"pattern\":\"ab[0-9]+\",\"validator\":\"none\"}]}]}",
		"$.categories[0].recognisers[0].pattern: expected a pattern of bounded width");
	refused("{\"version\":1,\"categories\":[" CAT(
		    "a", "pi") ",\"recognisers\":[{"
			       "\"pattern\":\"a{300}\",\"validator\":\"none\"}]}]}",
		"is wider");
	refused("{\"version\":1,\"categories\":[" CAT("a", "pi") ",\"recognisers\":[{"
								 "\"validator\":\"none\"}]}]}",
		"$.categories[0].recognisers[0]: missing \"pattern\"");
	refused("{\"version\":1,\"categories\":[" CAT(
		    "a", "pi") ",\"recognisers\":[{"
			       "\"pattern\":\"[0-9]{11}\",\"validator\":\"vin\"}]}]}",
		"$.categories[0].recognisers[0].pattern: pattern \"[0-9]{11}\" matches at most 11 "
		"bytes: too few to hold what validator \"vin\" checks");
	refused("{\"version\":1,\"categories\":{}}", "$.categories: expected an array");
	refused("{\"version\":1,", "tax.json:1:");
}

Test(taxonomy, customer_category_and_pattern)
{
	struct ew_taxonomy *t = NULL;
	const char *text = "{\"version\":1,\"categories\":[" CAT(
	    "fleet_vin",
	    "pi") ",\"subjects\":true,"
		  "\"recognisers\":[{\"pattern\":\"VIN=[A-Z0-9]{17}\",\"validator\":\"vin\"}]}"
		  "," CAT("battery_dump",
			  "important_data") ",\"recognisers\":[{\"pattern\":\"BMSDUMP1\","
					    "\"validator\":\"none\"}]}]}";

	cr_assert_eq(ew_taxonomy_parse("tax.json", text, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_taxonomy_count(t), 2);
	cr_assert_eq(ew_taxonomy_find(t, "fleet_vin")->recognisers[0].max_width, 21);
	cr_assert_eq(ew_taxonomy_find(t, "battery_dump")->min_points, 5);
	cr_assert_eq(ew_taxonomy_find(t, "battery_dump")->cls, EW_CLASS_IMPORTANT_DATA);
	ew_taxonomy_free(t);
}

Test(taxonomy, only_regular_files)
{
	struct ew_taxonomy *t = NULL;
	char dir[] = "/tmp/ew-tax-XXXXXX", fifo[64];

	cr_assert(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_eq(ew_taxonomy_load(fifo, &t, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "a FIFO"), "%s", err);
	cr_assert_eq(ew_taxonomy_load(dir, &t, err, sizeof(err)), -EINVAL);
	cr_assert_eq(ew_taxonomy_load("/nonexistent/tax.json", &t, err, sizeof(err)), -ENOENT);
	unlink(fifo);
	rmdir(dir);
}
