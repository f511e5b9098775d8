using System;
using BillingPowerShell.Engine.Http;

namespace BillingPowerShell.Engine.Tests.Http
{
    public sealed class RedactorTests
    {
        [Theory]
        [InlineData("sig", "AbC%2BdEf%3D")]
        [InlineData("se", "2026-11-29T11%3A00%3A00Z")]
        [InlineData("sp", "rl")]
        [InlineData("sv", "2024-11-04")]
        [InlineData("sr", "b")]
        [InlineData("st", "2026-11-29T10%3A00%3A00Z")]
        [InlineData("skoid", "1111aaaa-2222")]
        [InlineData("sktid", "3333bbbb")]
        [InlineData("skt", "2026-11-29T10%3A00%3A00Z")]
        [InlineData("ske", "2026-11-30T10%3A00%3A00Z")]
        [InlineData("sks", "b")]
        [InlineData("skv", "2024-11-04")]
        [InlineData("spr", "https")]
        [InlineData("SIG", "UPPERCASEsecret")]
        public void RemovesEachSasParameterValue(string name, string value)
        {
            var text = $"GET https://acct.blob.core.windows.net/c/b.pdf?{name}={value}&other=1 failed";
            var redacted = Redactor.Redact(text);
            Assert.DoesNotContain(name + "=" + value, redacted);
            Assert.Contains(name + "=REDACTED&other=1", redacted);
            Assert.Contains("https://acct.blob.core.windows.net/c/b.pdf?", redacted);
        }

        [Fact]
        public void RemovesAFullSasQueryInAMessage()
        {
            var url = "https://blobhost.example.test/invoices/x.pdf?" + TestArm.Sas;
            var redacted = Redactor.Redact("Could not download " + url + ".");
            Assert.DoesNotContain("TOPSECRETsignature", redacted);
            Assert.DoesNotContain("1111aaaa", redacted);
            Assert.DoesNotContain("sp=r&", redacted);
            Assert.Contains("/invoices/x.pdf", redacted);
            Assert.Equal(redacted, Redactor.Redact(redacted)); // idempotent
        }

        [Theory]
        [InlineData("Authorization: Bearer abc.DEF-123_xyz~+/=")]
        [InlineData("authorization: bearer abcDEF123456")]
        [InlineData("the header was 'Bearer   abcDEF123456' and")]
        public void RemovesBearerTokens(string text)
        {
            var redacted = Redactor.Redact(text);
            Assert.DoesNotContain("abc", redacted.Replace("Bearer", "").Replace("bearer", ""), StringComparison.Ordinal);
            Assert.Contains("REDACTED", redacted);
        }

        [Fact]
        public void RemovesJwtsAnywhere()
        {
            var redacted = Redactor.Redact("token=" + FakeCredential.Token + " and raw " + FakeCredential.Token + ".");
            Assert.DoesNotContain("U0VDUkVUU0lHTkFUVVJF", redacted);
            Assert.DoesNotContain("eyJzdWIi", redacted);
        }

        [Theory]
        [InlineData("https://management.azure.com/x?access_token=abcdef123&api-version=1", "abcdef123")]
        [InlineData("https://host/x?code=oauthcode99", "oauthcode99")]
        [InlineData("https://host/x?downloadToken=dltoken77&y=1", "dltoken77")]
        public void RemovesOtherGrantsInQueries(string text, string secret)
        {
            Assert.DoesNotContain(secret, Redactor.Redact(text));
        }

        [Theory]
        [InlineData("<Message>Denied for https://a.blob.example/c/b.pdf?sv=2024-11-04&amp;sig=XMLSECRET123&amp;se=2026</Message>", "XMLSECRET123")]
        [InlineData("{\"message\":\"Denied for https://a.blob.example/c/b.pdf?sv=1\\u0026sig=JSONSECRET123\\u0026se=2026\"}", "JSONSECRET123")]
        [InlineData("redirect_uri=https%3A%2F%2Fa.blob.example%2Fb.pdf%3Fsv%3D1%26sig%3DENCSECRET%252B123%26se%3D2026", "ENCSECRET")]
        [InlineData("https%3A%2F%2Fa.blob.example%2Fb.pdf%3Fsig%3DENCFIRST123", "ENCFIRST123")]
        public void RemovesSignaturesInEscapedOrEncodedUrls(string text, string secret)
        {
            var redacted = Redactor.Redact(text);
            Assert.DoesNotContain(secret, redacted);
            Assert.Contains("REDACTED", redacted);
            Assert.Contains("a.blob.example", redacted);
        }

        [Fact]
        public void LeavesOrdinaryTextAlone()
        {
            const string text = "HTTP 429 from GET /providers/Microsoft.Billing/billingAccounts; retry 1/8 in 1000 ms (api-version=2024-04-01&$top=10)";
            Assert.Equal(text, Redactor.Redact(text));
            Assert.Equal("", Redactor.Redact((string?)null));
        }

        [Fact]
        public void WithoutQueryDropsTheWholeQuery()
        {
            var uri = new Uri("https://blobhost.example.test/invoices/x.pdf?" + TestArm.Sas);
            Assert.Equal("https://blobhost.example.test/invoices/x.pdf?<redacted>", Redactor.WithoutQuery(uri));
            Assert.Equal("https://blobhost.example.test/a.pdf", Redactor.WithoutQuery(new Uri("https://blobhost.example.test/a.pdf")));
            Assert.DoesNotContain("TOPSECRET", Redactor.Redact(uri));
        }

        [Fact]
        public void DownloadLinkToStringHidesTheQuery()
        {
            var link = new BillingPowerShell.Engine.Billing.DownloadLink(new Uri("https://blobhost.example.test/a.pdf?" + TestArm.Sas), null);
            Assert.DoesNotContain("sig", link.ToString());
        }

        [Fact]
        public void ArmExceptionDescribeCarriesIdentifiers()
        {
            var ex = new ArmException(404, "NotFound", "Billing account 'x' was not found.", "x", "rid", "cid");
            Assert.Equal("Billing account 'x' was not found. (HTTP 404 NotFound) [x-ms-request-id: rid, x-ms-correlation-request-id: cid]", ex.Describe());
            Assert.True(ex.IsNotFound);
            Assert.False(ex.IsThrottled);
            Assert.Equal("m (HTTP 500)", new ArmException(500, null, "m").Describe());
        }
    }
}
