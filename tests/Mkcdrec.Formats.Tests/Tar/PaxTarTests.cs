using System.Security.Cryptography;
using System.Text;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Formats.Tar;

namespace Mkcdrec.Formats.Tests.Tar;

public class PaxTarTests
{
    private static byte[] Write(Action<PaxTarWriter> body)
    {
        var ms = new MemoryStream();
        using (var w = new PaxTarWriter(ms, leaveOpen: true))
        {
            body(w);
            w.Finish();
        }

        return ms.ToArray();
    }

    private static void Add(PaxTarWriter w, TarEntry e, byte[]? data = null)
    {
        w.WriteHeader(e);
        if (data is not null)
        {
            w.WriteData(data);
        }

        w.FinishEntry();
    }

    private static List<(TarEntry Entry, byte[] Data)> ReadAll(byte[] tar)
    {
        var r = new PaxTarReader(new MemoryStream(tar));
        var list = new List<(TarEntry, byte[])>();
        while (true)
        {
            var e = new TarEntry();
            if (!r.TryReadNext(e))
            {
                break;
            }

            var data = new MemoryStream();
            while (true)
            {
                var d = r.ReadData();
                if (d.Length == 0)
                {
                    break;
                }

                data.Write(d);
            }

            list.Add((e, data.ToArray()));
        }

        return list;
    }

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var longName = Encoding.ASCII.GetBytes("./" + new string('a', 150) + "/" + new string('b', 120));
        var rawName = new byte[] { (byte)'.', (byte)'/', 0xFF, 0xFE, (byte)'x' };
        var file = new TarEntry { Name = longName, Type = TarEntryType.Regular, Mode = 0x9ED /* 04755 */, Uid = 3_000_000, Gid = 42, UserName = "üser", GroupName = "g", Size = 5, MTimeSeconds = 1_700_000_000, MTimeNanoseconds = 123_456_789 };
        file.Xattrs.Add(new("user.bin", [0, 1, 2, 0xFF]));
        file.Xattrs.Add(new("security.capability", [1, 0, 0, 2]));
        file.AclAccess = "user::rw-\nuser:1000:r--\ngroup::r--\nmask::r--\nother::---\n";
        var dir = new TarEntry { Name = rawName, Type = TarEntryType.Directory, Mode = 0x3FF /* 01777 */, MTimeSeconds = -10, MTimeNanoseconds = 5 };
        dir.AclDefault = "user::rwx\ngroup::r-x\nother::r-x\n";
        var link = new TarEntry { Name = "./l"u8.ToArray(), Type = TarEntryType.Symlink, Mode = 0x1FF, LinkName = Encoding.ASCII.GetBytes("/" + new string('t', 200)) };
        var dev = new TarEntry { Name = "./dev"u8.ToArray(), Type = TarEntryType.BlockDevice, Mode = 0x1B0, DevMajor = 259, DevMinor = 70000 };
        var tar = Write(w =>
        {
            Add(w, file, "hello"u8.ToArray());
            Add(w, dir);
            Add(w, link);
            Add(w, dev);
        });
        Assert.Equal(0, tar.Length % 10240);
        var back = ReadAll(tar);
        Assert.Equal(4, back.Count);
        var f = back[0].Entry;
        Assert.Equal(longName, f.Name);
        Assert.Equal((uint)0x9ED, f.Mode);
        Assert.Equal(3_000_000u, f.Uid);
        Assert.Equal("üser", f.UserName);
        Assert.Equal(123_456_789u, f.MTimeNanoseconds);
        Assert.Equal(1_700_000_000, f.MTimeSeconds);
        Assert.Equal("hello"u8.ToArray(), back[0].Data);
        Assert.Equal(file.AclAccess, f.AclAccess);
        Assert.Equal([0, 1, 2, 0xFF], f.Xattrs.Single(x => x.Key == "user.bin").Value);
        Assert.Equal(rawName, back[1].Entry.Name);
        Assert.Equal(-10, back[1].Entry.MTimeSeconds);
        Assert.Equal(5u, back[1].Entry.MTimeNanoseconds);
        Assert.Equal(dir.AclDefault, back[1].Entry.AclDefault);
        Assert.Equal(link.LinkName, back[2].Entry.LinkName);
        Assert.Equal((259u, 70000u), (back[3].Entry.DevMajor, back[3].Entry.DevMinor));
    }

    [Fact]
    public void Sparse_file_round_trips_with_gnu_1_0_map()
    {
        var e = new TarEntry { Name = "./disk.img"u8.ToArray(), Mode = 0x1A4, Size = 10_000_000, Sparse = [new(4096, 3), new(6_000_000, 2)] };
        var tar = Write(w =>
        {
            w.WriteHeader(e);
            w.WriteData("abc"u8);
            w.WriteData("de"u8);
            w.FinishEntry();
        });
        var text = Encoding.Latin1.GetString(tar);
        Assert.Contains("GNU.sparse.major=1", text);
        Assert.Contains("GNU.sparse.realsize=10000000", text);
        Assert.Contains("GNUSparseFile.0/disk.img", text);
        Assert.Contains("3\n4096\n3\n6000000\n2\n10000000\n0\n", text); // trailing hole recorded as a zero-length segment
        var back = ReadAll(tar).Single();
        Assert.Equal("./disk.img"u8.ToArray(), back.Entry.Name);
        Assert.Equal(10_000_000, back.Entry.Size);
        Assert.Equal([new SparseSegment(4096, 3), new SparseSegment(6_000_000, 2)], back.Entry.Sparse!);
        Assert.Equal("abcde"u8.ToArray(), back.Data);
    }

    [Fact]
    public void Damaged_header_names_its_byte_offset()
    {
        var tar = Write(w =>
        {
            Add(w, new TarEntry { Name = "./a"u8.ToArray(), Size = 600, Mode = 0x1A4 }, new byte[600]);
            Add(w, new TarEntry { Name = "./b"u8.ToArray(), Size = 1, Mode = 0x1A4 }, [7]);
        });
        tar[1536 + 10] ^= 0x20; // second member's header (a: 512 header + 1024 data)
        var ex = Assert.Throws<InvalidDataException>(() => ReadAll(tar));
        Assert.Contains("byte 1536", ex.Message);
        Assert.Contains("checksum", ex.Message);
    }

    [Fact]
    public void Truncated_stream_is_an_error_not_a_short_file()
    {
        var tar = Write(w => Add(w, new TarEntry { Name = "./a"u8.ToArray(), Size = 5000, Mode = 0x1A4 }, new byte[5000]));
        var ex = Assert.Throws<InvalidDataException>(() => ReadAll(tar[..3000]));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("./a", ex.Message);
    }

    [Fact]
    public void Writer_refuses_more_data_than_declared()
    {
        using var w = new PaxTarWriter(new MemoryStream());
        w.WriteHeader(new TarEntry { Name = "./a"u8.ToArray(), Size = 2 });
        Assert.Throws<InvalidOperationException>(() => w.WriteData("abc"u8));
    }

    [Fact]
    public void Pax_record_lengths_count_their_own_digits()
    {
        // A value that makes the record length cross from 2 to 3 digits.
        var e = new TarEntry { Name = Encoding.ASCII.GetBytes("./" + new string('n', 101)), Mode = 0x1A4 };
        for (var extra = 80; extra < 100; extra++)
        {
            e.Xattrs.Clear();
            e.Xattrs.Add(new("user.x", new byte[extra]));
            var back = ReadAll(Write(w => Add(w, e))).Single().Entry;
            Assert.Equal(extra, back.Xattrs.Single().Value.Length);
        }
    }
}

public class PosixAclTests
{
    [Fact]
    public void Xattr_and_text_forms_convert_both_ways()
    {
        // As the kernel stores user::rw- user:1234:r-- group::r-- group:5:rw- mask::rw- other::r--
        var bin = Convert.FromHexString("02000000" + "01000600ffffffff" + "02000400d2040000" + "04000400ffffffff" + "0800060005000000" + "10000600ffffffff" + "20000400ffffffff");
        var text = PosixAcl.ToText(bin);
        Assert.Equal("user::rw-\nuser:1234:r--\ngroup::r--\ngroup:5:rw-\nmask::rw-\nother::r--\n", text);
        Assert.Equal(bin, PosixAcl.FromText(text));
        // GNU tar's form with names and comments, resolved through the callbacks, unsorted input.
        var named = PosixAcl.FromText("group:tty:rw-\nuser::rw-\nuser:alice:r--  #effective:r--\ngroup::r--\nmask::rw-\nother::r--", n => n == "alice" ? 1234u : null, n => n == "tty" ? 5u : null);
        Assert.Equal(bin, named);
        Assert.Throws<InvalidDataException>(() => PosixAcl.FromText("user:nobody-here:r--", _ => null));
        Assert.Throws<InvalidDataException>(() => PosixAcl.ToText([1, 0, 0, 0]));
    }
}

public class OpenSslEncTests
{
    [Fact]
    public void Round_trip_and_known_key_derivation()
    {
        var data = RandomNumberGenerator.GetBytes(100_001);
        var pass = "pw"u8.ToArray();
        var ms = new MemoryStream();
        using (var enc = OpenSslEnc.Encrypt(ms, pass, 1000, leaveOpen: true, salt: [1, 2, 3, 4, 5, 6, 7, 8]))
        {
            enc.Write(data);
        }

        var ct = ms.ToArray();
        Assert.Equal("Salted__"u8.ToArray(), ct[..8]);
        Assert.Equal(16 + ((data.Length / 16) + 1) * 16, ct.Length); // PKCS#7 always pads
        using var dec = OpenSslEnc.Decrypt(new MemoryStream(ct), pass, 1000);
        var back = new MemoryStream();
        dec.CopyTo(back);
        Assert.Equal(data, back.ToArray());

        // Key/IV must be PBKDF2-HMAC-SHA256(pass, salt, iter) split 32+16, as openssl -pbkdf2 derives them.
        var (key, iv) = OpenSslEnc.DeriveKeyAndIv(pass, [1, 2, 3, 4, 5, 6, 7, 8], 1000);
        var km = Rfc2898DeriveBytes.Pbkdf2(pass, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 1000, HashAlgorithmName.SHA256, 48);
        Assert.Equal(km[..32], key);
        Assert.Equal(km[32..], iv);
    }

    [Fact]
    public void Not_salted_input_is_refused()
    {
        var ex = Assert.Throws<InvalidDataException>(() => OpenSslEnc.Decrypt(new MemoryStream(new byte[32]), "x"u8, 1));
        Assert.Contains("Salted__", ex.Message);
    }

    [Fact]
    public void Mac_key_differs_from_the_encryption_key_and_checks_the_passphrase()
    {
        using var a = new VolumeMac("one"u8, [9, 9], 1000);
        using var b = new VolumeMac("two"u8, [9, 9], 1000);
        Assert.NotEqual(a.KeyCheck(), b.KeyCheck());
        using var c = new VolumeMac("one"u8, [9, 9], 1000);
        Assert.Equal(a.KeyCheck(), c.KeyCheck());
    }
}
