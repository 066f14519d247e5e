#!/usr/bin/perl
# Writes two small MaxMind DBs for the geolocation tests, with Debian's
# libmaxmind-db-writer-perl: a GeoIP2-Country layout and a GeoLite2-ASN one.
# Usage: make-test-mmdb.pl [--country CIDR=CC]... [--layout L] COUNTRY.mmdb [ASN.mmdb]
#   --country CIDR=CC  place CIDR in country CC; repeatable. When given, the
#                      country DB holds exactly these networks instead of the
#                      default /32s below (the ASN DB is unchanged).
#   --layout L         the records' layout, as the vendors ship them:
#                      country (GeoIP2-Country, default), city (GeoIP2-City:
#                      continent, city, subdivisions, location, traits with
#                      is_anycast on 198.18.0.4, registered_country only on
#                      198.18.0.6), dbip (DBIP-City-Lite and DBIP-ASN-Lite).
# Without options it writes the defaults that tests/unit/test_geo.c and
# tests/integration/test_errors.py expect.
use strict;
use warnings;
use Getopt::Long;
use MaxMind::DB::Writer::Tree;

my @country_opt;
my $layout = 'country';
GetOptions('country=s' => \@country_opt, 'layout=s' => \$layout)
    or die "usage: $0 [--country CIDR=CC]... [--layout country|city|dbip] COUNTRY.mmdb [ASN.mmdb]\n";
die "--layout $layout: expected country, city or dbip\n" unless $layout =~ /^(country|city|dbip)$/;
my ($country_path, $asn_path) = @ARGV;
die "usage: $0 [--country CIDR=CC]... COUNTRY.mmdb [ASN.mmdb]\n" unless defined $country_path;
my %types = (
    country => 'map', iso_code => 'utf8_string', names => 'map', en => 'utf8_string',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
    continent => 'map', code => 'utf8_string', geoname_id => 'uint32', city => 'map',
    location => 'map', latitude => 'double', longitude => 'double', time_zone => 'utf8_string',
    subdivisions => ['array', 'map'], registered_country => 'map', traits => 'map',
    is_anycast => 'boolean', is_in_european_union => 'boolean',
);

# One record as the City layouts carry it: country plus what a city adds.
sub city_record {
    my ($cc, %extra) = @_;
    my %r = (continent => { code => 'EU', geoname_id => 6255148, names => { en => 'Europe' } },
             city => { geoname_id => 2867714, names => { en => "City of " . ($cc // "nowhere") } },
             location => { latitude => 48.1374, longitude => 11.5755, time_zone => 'Europe/Berlin' },
             subdivisions => [{ iso_code => 'BY', names => { en => 'Bavaria' } }]);
    $r{country} = { iso_code => $cc, geoname_id => 2921044, names => { en => $cc } } if defined $cc;
    return { %r, %extra };
}

sub tree {
    my ($type) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => 6, record_size => 24, database_type => $type, languages => ['en'],
        description => { en => "egresswatch test $type" },
        map_key_type_callback => sub { $types{ $_[0] } },
        # The test addresses are in 198.18.0.0/15, which the writer drops by default.
        remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1,
    );
}

my $c = tree($layout eq 'city' ? 'GeoIP2-City' : $layout eq 'dbip' ? 'DBIP-City-Lite' : 'GeoIP2-Country');
if ($layout ne 'country') {
    my %cc = ('198.18.0.2' => 'DE', '198.18.0.3' => 'HK', '198.18.0.4' => 'US', '198.18.0.5' => 'CN');
    for my $ip (keys %cc) {
        my %extra = ($layout eq 'city' && $ip eq '198.18.0.4') ? (traits => { is_anycast => 1 }) : ();
        $c->insert_network("$ip/32", city_record($cc{$ip}, %extra));
    }
    # GeoIP2 leaves country out where it only knows the registration.
    $c->insert_network('198.18.0.6/32', city_record(undef, registered_country => { iso_code => 'MO' }))
        if $layout eq 'city';
} elsif (@country_opt) {
    for (@country_opt) {
        my ($net, $code) = m{^([0-9a-fA-F.:]+/[0-9]+)=([A-Z]{2})$} or die "--country $_: expected CIDR=CC\n";
        $c->insert_network($net, { country => { iso_code => $code, names => { en => $code } } });
    }
} else {
    my %cc = ('198.18.0.2' => 'DE', '198.18.0.3' => 'HK', '198.18.0.4' => 'US', '198.18.0.5' => 'CN');
    $c->insert_network("$_/32", { country => { iso_code => $cc{$_}, names => { en => $cc{$_} } } }) for keys %cc;
    $c->insert_network('2001:db8:de::/48', { country => { iso_code => 'DE' } });
}
open(my $fh, '>:raw', $country_path) or die "$country_path: $!";
$c->write_tree($fh);
close $fh;

exit 0 unless defined $asn_path;
my $a = tree($layout eq 'dbip' ? 'DBIP-ASN-Lite' : 'GeoLite2-ASN');
$a->insert_network('198.18.0.0/24', { autonomous_system_number => 64500,
                                      autonomous_system_organization => 'EXAMPLE-AS' });
open($fh, '>:raw', $asn_path) or die "$asn_path: $!";
$a->write_tree($fh);
close $fh;
