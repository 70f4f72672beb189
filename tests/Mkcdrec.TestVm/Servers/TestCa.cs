namespace Mkcdrec.TestVm.Servers;

/// <summary>
/// A throw-away certificate authority made with the openssl command in a directory of its own: <c>NAME.pem</c> (the CA's
/// certificate) and server certificates it signs (<see cref="Issue"/>). Nothing of it reaches the system's trust store.
/// </summary>
public sealed class TestCa
{
    public TestCa(string directory, string name)
    {
        Directory = directory;
        Name = name;
        Key = Path.Combine(directory, name + ".key");
        Certificate = Path.Combine(directory, name + ".pem");
        HostProcess.Checked("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Key, "-out", Certificate, "-days", "2",
            "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    public string Directory { get; }

    public string Name { get; }

    public string Key { get; }

    /// <summary>The CA's certificate (PEM): what --ca-file is given.</summary>
    public string Certificate { get; }

    /// <summary>A server certificate and key signed by this CA for the subject alternative names <paramref name="san"/> (e.g. "IP:127.0.0.1,DNS:localhost").</summary>
    /// <param name="days">Its validity from now; negative: it expired that many days ago.</param>
    public (string Certificate, string Key) Issue(string file, string san, int days = 1)
    {
        var key = Path.Combine(Directory, file + ".key");
        var csr = Path.Combine(Directory, file + ".csr");
        var cert = Path.Combine(Directory, file + ".pem");
        var ext = Path.Combine(Directory, file + ".ext");
        File.WriteAllText(ext, $"subjectAltName={san}\nextendedKeyUsage=serverAuth\n");
        HostProcess.Checked("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + file);
        HostProcess.Checked("openssl", "x509", "-req", "-in", csr, "-CA", Certificate, "-CAkey", Key, "-CAcreateserial", "-out", cert,
            "-days", days.ToString(System.Globalization.CultureInfo.InvariantCulture), "-extfile", ext);
        return (cert, key);
    }
}
