using System;
using System.Security.Authentication;

namespace BillingPowerShell.Engine.Http
{
    /// <summary>
    /// A TLS handshake that failed on the server's certificate (untrusted issuer, wrong host name, expired): reported
    /// at once with what to check, never retried, and never "fixed" by turning validation off.
    /// </summary>
    public static class CertificateFailure
    {
        public const string Code = "CertificateNotTrusted";

        /// <summary>The AuthenticationException in the chain of <paramref name="ex"/> (HttpRequestException or
        /// RequestFailedException wrap it), or null when the failure is something else.</summary>
        internal static Exception? Find(Exception ex)
        {
            for (var e = ex; e is not null; e = e.InnerException)
                if (e is AuthenticationException) return e;
            return null;
        }

        internal static ArmException ToArmException(Uri uri, Exception tls) =>
            new ArmException(0, Code,
                $"The TLS connection to {uri.Scheme}://{uri.Authority} could not be established: its certificate was refused ({Redactor.Redact(tls.Message.TrimEnd('.'))}). " +
                "Check that this machine trusts the certificate's issuer (on Linux, SSL_CERT_FILE or SSL_CERT_DIR must be set before PowerShell starts: " +
                "setting $env:SSL_CERT_FILE inside a running pwsh does not reach .NET), that the URL's host name is the one on the certificate, " +
                "and whether a TLS-inspecting proxy presents its own certificate (then trust that proxy's CA). Certificate validation is never turned off.",
                inner: null);
    }
}
