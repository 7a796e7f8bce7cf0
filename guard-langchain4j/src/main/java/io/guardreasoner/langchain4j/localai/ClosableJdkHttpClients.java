package io.guardreasoner.langchain4j.localai;

import dev.langchain4j.http.client.jdk.JdkHttpClientBuilder;

import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Hands LangChain4j JDK HTTP client builders and remembers every {@link HttpClient} they build, so that a backend's
 * {@code close()} can close them: each JDK client owns a selector thread and pooled connections that would
 * otherwise live until garbage collection.
 */
final class ClosableJdkHttpClients implements AutoCloseable {

    private final List<HttpClient> built = new CopyOnWriteArrayList<>();

    /** A LangChain4j client builder whose JDK client is closed by {@link #close()}. */
    JdkHttpClientBuilder builder(Duration connectTimeout, Duration readTimeout) {
        return new JdkHttpClientBuilder()
                .httpClientBuilder(new Recording(HttpClient.newBuilder()))
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout);
    }

    @Override
    public void close() {
        for (HttpClient client : built) {
            client.shutdownNow();
        }
        built.clear();
    }

    /** Delegates every setting and records what it builds. */
    private final class Recording implements HttpClient.Builder {
        private final HttpClient.Builder delegate;

        Recording(HttpClient.Builder delegate) {
            this.delegate = delegate;
        }

        @Override
        public HttpClient build() {
            HttpClient client = delegate.build();
            built.add(client);
            return client;
        }

        @Override
        public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
            delegate.cookieHandler(cookieHandler);
            return this;
        }

        @Override
        public HttpClient.Builder connectTimeout(Duration duration) {
            delegate.connectTimeout(duration);
            return this;
        }

        @Override
        public HttpClient.Builder sslContext(SSLContext sslContext) {
            delegate.sslContext(sslContext);
            return this;
        }

        @Override
        public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
            delegate.sslParameters(sslParameters);
            return this;
        }

        @Override
        public HttpClient.Builder executor(Executor executor) {
            delegate.executor(executor);
            return this;
        }

        @Override
        public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
            delegate.followRedirects(policy);
            return this;
        }

        @Override
        public HttpClient.Builder version(HttpClient.Version version) {
            delegate.version(version);
            return this;
        }

        @Override
        public HttpClient.Builder priority(int priority) {
            delegate.priority(priority);
            return this;
        }

        @Override
        public HttpClient.Builder proxy(ProxySelector proxySelector) {
            delegate.proxy(proxySelector);
            return this;
        }

        @Override
        public HttpClient.Builder authenticator(Authenticator authenticator) {
            delegate.authenticator(authenticator);
            return this;
        }

        @Override
        public HttpClient.Builder localAddress(InetAddress localAddress) {
            delegate.localAddress(localAddress);
            return this;
        }
    }
}
