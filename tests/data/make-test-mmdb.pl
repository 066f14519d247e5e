#!/usr/bin/perl
# Writes two small MaxMind DBs for the geolocation tests, with Debian's
# libmaxmind-db-writer-perl: a GeoIP2-Country layout and a GeoLite2-ASN one.
# Usage: make-test-mmdb.pl [--country CIDR=CC]... COUNTRY.mmdb [ASN.mmdb]
#   --country CIDR=CC  place CIDR in country CC; repeatable. When given, the
#                      country DB holds exactly these networks instead of the
#                      default /32s below (the ASN DB is unchanged).
# Without options it writes the defaults that tests/unit/test_geo.c and
# tests/integration/test_errors.py expect.
use strict;
use warnings;
use Getopt::Long;
use MaxMind::DB::Writer::Tree;

my @country_opt;
GetOptions('country=s' => \@country_opt) or die "usage: $0 [--country CIDR=CC]... COUNTRY.mmdb [ASN.mmdb]\n";
my ($country_path, $asn_path) = @ARGV;
die "usage: $0 [--country CIDR=CC]... COUNTRY.mmdb [ASN.mmdb]\n" unless defined $country_path;
my %types = (
    country => 'map', iso_code => 'utf8_string', names => 'map', en => 'utf8_string',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
);

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

my $c = tree('GeoIP2-Country');
if (@country_opt) {
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
my $a = tree('GeoLite2-ASN');
$a->insert_network('198.18.0.0/24', { autonomous_system_number => 64500,
                                      autonomous_system_organization => 'EXAMPLE-AS' });
open($fh, '>:raw', $asn_path) or die "$asn_path: $!";
$a->write_tree($fh);
close $fh;
