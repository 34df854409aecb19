# perl-base is Essential on Debian: one process copies every file (a shell loop would fork per file).
# Reads "mode<TAB>sha256<TAB>path" lines on stdin; copies blob $blobs/sha256 to $dest/path with that mode.
use strict; use warnings;
my ($blobs, $dest) = @ARGV;
sub mkpath { my $p = shift; my $acc = ''; for my $part (split m{/}, $p) { next if $part eq ''; $acc .= "/$part"; mkdir $acc unless -d $acc; } }
while (my $line = <STDIN>) {
    chomp $line; my ($mode, $sha, $path) = split /\t/, $line, 3;
    die "unsafe path $path\n" if $path =~ m{(^|/)\.\.(/|$)} || $path =~ m{^/};
    my $target = "$dest/$path"; (my $dir = $target) =~ s{/[^/]*$}{}; mkpath($dir);
    open(my $in, '<:raw', "$blobs/$sha") or die "blob $sha for $path: $!\n";
    open(my $out, '>:raw', $target) or die "$target: $!\n";
    my $buf; while (my $n = sysread($in, $buf, 1 << 16)) { syswrite($out, $buf, $n) or die "$target: $!\n"; }
    close $out or die "$target: $!\n"; close $in; chmod oct($mode), $target;
}
