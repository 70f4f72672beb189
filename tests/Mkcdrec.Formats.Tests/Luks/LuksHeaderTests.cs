using System.Diagnostics;
using Mkcdrec.Formats.Luks;

namespace Mkcdrec.Formats.Tests.Luks;

/// <summary>Our LUKS header reader against headers cryptsetup writes (on image files: no device-mapper needed).</summary>
public sealed class LuksHeaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-luks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Run(string file, params string[] args) => RunWithInput(null, file, args);

    /// <summary>Runs a tool; only a command that reads the passphrase gets it on standard input (luksDump may exit before
    /// reading, and a write to its closed pipe failed the test now and then with EPIPE).</summary>
    private static string RunWithInput(string? stdin, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file);
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        var o = p.StandardOutput.ReadToEnd();
        var e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {e}");
        return o;
    }

    private string Format(params string[] args)
    {
        var img = Path.Combine(_dir, Guid.NewGuid() + ".img");
        using (var f = File.Create(img))
        {
            f.SetLength(32 * 1024 * 1024);
        }

        // argon2's iteration count is its time cost: keep it tiny; pbkdf2 needs at least 1000.
        var iterations = args.Any(a => a.StartsWith("argon2", StringComparison.Ordinal)) ? "4" : "1000";
        RunWithInput("test-passphrase", "cryptsetup", ["luksFormat", "--batch-mode", "--key-file", "-", "--pbkdf-force-iterations", iterations, .. args, img]);
        return img;
    }

    private static Dictionary<string, string> DumpFields(string dump)
    {
        var d = new Dictionary<string, string>();
        foreach (var line in dump.Split('\n'))
        {
            var c = line.IndexOf(':');
            if (c > 0)
            {
                d.TryAdd(line[..c].Trim(), line[(c + 1)..].Trim());
            }
        }

        return d;
    }

    private static LuksHeader ReadHeader(string img)
    {
        var bytes = File.ReadAllBytes(img).AsSpan(0, 4 * 1024 * 1024);
        return LuksHeader.Read(bytes[..LuksHeader.RequiredLength(bytes[..4096])]);
    }

    [Theory]
    [InlineData("aes-xts-plain64", 512, "pbkdf2")]
    [InlineData("aes-xts-plain64", 256, "argon2id")]
    [InlineData("aes-cbc-essiv:sha256", 256, "argon2i")]
    public void Luks2_matches_luksDump(string cipher, int keyBits, string pbkdf)
    {
        var img = Format("--type", "luks2", "--cipher", cipher, "--key-size", keyBits.ToString(), "--pbkdf", pbkdf, "--label", "root-" + keyBits, "--pbkdf-memory", "32768");
        var h = ReadHeader(img);
        var dump = Run("cryptsetup", "luksDump", img);
        var f = DumpFields(dump);
        Assert.Equal(2, h.Version);
        Assert.Equal(f["UUID"], h.Uuid);
        Assert.Equal(f["Label"], h.Label);
        Assert.Equal(f["cipher"], h.Cipher);
        Assert.Equal(cipher, h.Cipher);
        Assert.Equal(keyBits, h.KeySizeBits);
        Assert.Equal(f["PBKDF"], h.Pbkdf);
        if (pbkdf == "pbkdf2")
        {
            // The keyslot's own line comes before the digest's (DumpFields keeps the first).
            Assert.Equal(int.Parse(f["Iterations"]), h.PbkdfIterations);
            Assert.Null(h.PbkdfMemoryKiB);
        }
        else
        {
            Assert.Equal((4, 32768), (h.PbkdfIterations, h.PbkdfMemoryKiB));
            Assert.Equal(int.Parse(f["Time cost"]), h.PbkdfIterations);
            Assert.Equal(int.Parse(f["Memory"]), h.PbkdfMemoryKiB);
            Assert.Equal(int.Parse(f["Threads"]), h.PbkdfParallel);
        }

        Assert.Equal(long.Parse(f["offset"].Split(' ')[0]), h.DataOffsetBytes);
        Assert.Equal(int.Parse(f["sector"].Split(' ')[0]), h.SectorSize);
        Assert.Equal(1, h.ActiveKeyslots);
    }

    [Fact]
    public void Luks1_matches_luksDump()
    {
        var img = Format("--type", "luks1", "--cipher", "aes-cbc-essiv:sha256", "--key-size", "256", "--hash", "sha512");
        var h = ReadHeader(img);
        var f = DumpFields(Run("cryptsetup", "luksDump", img));
        Assert.Equal(1, h.Version);
        Assert.Equal(f["UUID"], h.Uuid);
        Assert.Equal(f["Cipher name"] + "-" + f["Cipher mode"], h.Cipher);
        Assert.Equal(int.Parse(f["MK bits"]), h.KeySizeBits);
        Assert.Equal(f["Hash spec"], h.Hash);
        Assert.Equal(long.Parse(f["Payload offset"]) * 512, h.DataOffsetBytes);
        Assert.Equal(1, h.ActiveKeyslots);
    }

    [Fact]
    public void Not_luks_is_invalid_data_saying_where()
    {
        var ex = Assert.Throws<InvalidDataException>(() => LuksHeader.Read(new byte[4096]));
        Assert.Contains("byte 0", ex.Message);
        Assert.False(LuksHeader.IsLuks(new byte[16]));
    }

    [Fact]
    public void Truncated_luks2_header_is_invalid_data()
    {
        var img = Format("--type", "luks2", "--pbkdf", "pbkdf2");
        var bytes = File.ReadAllBytes(img).AsSpan(0, 8192).ToArray();
        var ex = Assert.Throws<InvalidDataException>(() => LuksHeader.Read(bytes));
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void Corrupt_luks2_json_is_invalid_data_saying_where()
    {
        var img = Format("--type", "luks2", "--pbkdf", "pbkdf2");
        var bytes = File.ReadAllBytes(img).AsSpan(0, 16384).ToArray();
        bytes[4096] = (byte)'!';
        var ex = Assert.Throws<InvalidDataException>(() => LuksHeader.Read(bytes));
        Assert.Contains("4096", ex.Message);
    }
}
