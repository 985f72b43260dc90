#!/bin/sh
# Build the disk images for virtio-blk.exp in DIR:
#   DIR/files/      hello.txt, blob.bin (300 KiB of random bytes), sub/note.txt
#   DIR/ext4.img    32 MiB, MBR with one Linux partition from 1 MiB:
#                   ext4 made with mkfs.ext4 -d DIR/files
#   DIR/fat.img     the same layout, FAT (mkfs.vfat + mcopy)
#   DIR/blob.crc    crc32 of blob.bin as U-Boot prints it (8 hex digits)
# No root needed: file systems are built in partition-sized files and
# copied into the disk at the partition's offset.
#   sh tests/integration/mkdisk.sh DIR
set -eu
dir=$1
mkdir -p "$dir/files/sub"
printf 'hello from vmb\n' > "$dir/files/hello.txt"
printf 'nested\n' > "$dir/files/sub/note.txt"
head -c 307200 /dev/urandom > "$dir/files/blob.bin"
python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' \
	"$dir/files/blob.bin" > "$dir/blob.crc"

# disk IMAGE PART: a 32 MiB MBR disk whose partition 1 is the file PART.
disk() {
	truncate -s 32M "$1"
	printf 'label: dos\nstart=2048, size=63488, type=83\n' | sfdisk -q "$1"
	dd if="$2" of="$1" bs=512 seek=2048 conv=notrunc status=none
	rm -f "$2"
}

rm -f "$dir/ext4.part" "$dir/fat.part"
truncate -s 31M "$dir/ext4.part"
mkfs.ext4 -q -F -d "$dir/files" "$dir/ext4.part"
disk "$dir/ext4.img" "$dir/ext4.part"

truncate -s 31M "$dir/fat.part"
mkfs.vfat "$dir/fat.part" > /dev/null
mcopy -s -i "$dir/fat.part" "$dir/files/hello.txt" "$dir/files/blob.bin" \
	"$dir/files/sub" ::/
disk "$dir/fat.img" "$dir/fat.part"
