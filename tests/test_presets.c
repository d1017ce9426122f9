/* The presets' own tables: Azure's ports per VM and each cloud NAT's address limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "portsim/profile.h"

static void test_azure_ports_per_vm_follow_the_pool_size_tiers(void **state)
{
	(void)state;
	static const struct {
		uint32_t pool, ports;
	} cases[] = {
		{ 0, 1024 },  { 1, 1024 },  { 50, 1024 }, { 51, 512 },   { 100, 512 },
		{ 101, 256 }, { 200, 256 }, { 201, 128 }, { 400, 128 },  { 401, 64 },
		{ 800, 64 },  { 801, 32 },  { 1000, 32 }, { 100000, 32 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ps_preset_azure_ports_per_vm(cases[i].pool) != cases[i].ports)
			fail_msg("pool %u: %u ports, want %u", cases[i].pool,
				 ps_preset_azure_ports_per_vm(cases[i].pool), cases[i].ports);
}

static void test_nat_presets_carry_their_address_limits(void **state)
{
	(void)state;
	assert_int_equal(ps_nat_preset_max_addresses("aws-nat-gateway"), 8);
	assert_int_equal(ps_nat_preset_max_addresses("azure-nat-gateway"), 16);
	assert_int_equal(ps_nat_preset_max_addresses("gcp-cloud-nat"), PS_NAT_ADDRESSES_MAX);
	assert_int_equal(ps_nat_preset_max_addresses("azure-lb-outbound"), PS_NAT_ADDRESSES_MAX);
	assert_int_equal(ps_nat_preset_max_addresses("none"), PS_NAT_ADDRESSES_MAX);
	assert_int_equal(ps_nat_preset_max_addresses("no-such-preset"), PS_NAT_ADDRESSES_MAX);
}

static void test_every_preset_is_found_by_its_name(void **state)
{
	(void)state;
	for (size_t i = 0; i < ps_profiles_len; i++)
		assert_ptr_equal(ps_profile_find(ps_profiles[i].name), &ps_profiles[i]);
	for (size_t i = 0; i < ps_nat_presets_len; i++)
		assert_ptr_equal(ps_nat_preset_find(ps_nat_presets[i].name), &ps_nat_presets[i]);
	assert_null(ps_profile_find("aws-nat-gateway"));
	assert_null(ps_nat_preset_find("linux"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_azure_ports_per_vm_follow_the_pool_size_tiers),
		cmocka_unit_test(test_nat_presets_carry_their_address_limits),
		cmocka_unit_test(test_every_preset_is_found_by_its_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
