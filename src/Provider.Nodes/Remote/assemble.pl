# perl-base is Essential on Debian: one process writes every file (a shell loop would fork per file). With a
# previous release given ($prev), a file whose bytes and mode there are exactly the blob's is hard-linked instead of
# copied: creating thousands of inodes and data blocks is most of an assembly, and a link is a directory entry. Bytes
# are compared, not trusted from a list, so a file edited in place on the node is never carried over.
# Reads "mode<TAB>sha256<TAB>path" lines on stdin; writes blob $blobs/sha256 to $dest/path with that mode.
use strict; use warnings;
my ($blobs, $dest, $prev) = @ARGV;
my ($linked, $copied) = (0, 0);
sub mkpath { my $p = shift; my $acc = ''; for my $part (split m{/}, $p) { next if $part eq ''; $acc .= "/$part"; mkdir $acc unless -d $acc; } }
sub same {
    my ($a, $b) = @_; open(my $x, '<:raw', $a) or return 0; open(my $y, '<:raw', $b) or return 0;
    while (1) {
        my $n = sysread($x, my $bx, 1 << 16); my $m = sysread($y, my $by, 1 << 16);
        return 0 unless defined $n && defined $m && $n == $m; return 1 if $n == 0; return 0 if $bx ne $by;
    }
}
while (my $line = <STDIN>) {
    chomp $line; my ($mode, $sha, $path) = split /\t/, $line, 3;
    die "unsafe path $path\n" if $path =~ m{(^|/)\.\.(/|$)} || $path =~ m{^/};
    my $target = "$dest/$path"; (my $dir = $target) =~ s{/[^/]*$}{}; mkpath($dir);
    if ($prev ne '') {
        my @st = lstat("$prev/$path");
        if (@st && -f _ && ($st[2] & 07777) == oct($mode) && same("$prev/$path", "$blobs/$sha") && link("$prev/$path", $target)) { $linked++; next; }
    }
    open(my $in, '<:raw', "$blobs/$sha") or die "blob $sha for $path: $!\n";
    open(my $out, '>:raw', $target) or die "$target: $!\n";
    my $buf; while (my $n = sysread($in, $buf, 1 << 16)) { syswrite($out, $buf, $n) or die "$target: $!\n"; }
    close $out or die "$target: $!\n"; close $in; chmod oct($mode), $target; $copied++;
}
print "assembled: $copied copied, $linked linked\n";
