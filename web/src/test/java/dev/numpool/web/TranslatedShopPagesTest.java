package dev.numpool.web;

import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shop's own pages, the API docs and the developer pages are written in the language the
 * browser asks for ({@code Accept-Language}): Russian, Spanish and Chinese words, numbers and
 * durations, and none of the English sentences of the same pages.
 */
class TranslatedShopPagesTest {
    private static final String PASSWORD = "correct horse battery";
    private static Numpool node;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("website.contact-email", "help@shop.example");
        config.put("webhooks.allow-http", "true");
        config.put("webhooks.allowed-hosts.0", "127.0.0.1");
        node = TestNodes.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** A browser set to one language: keeps its cookies and the last page's form token. */
    private static final class Reader {
        private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        private final String acceptLanguage;
        private final Map<String, String> cookies = new LinkedHashMap<>();
        private String csrf = "";

        Reader(String acceptLanguage) {
            this.acceptLanguage = acceptLanguage;
        }

        record Page(int status, String body, String location) {
        }

        Page get(String path) {
            return send(HttpRequest.newBuilder(URI.create(node.url() + path)).GET());
        }

        Page post(String path, Map<String, String> fields) {
            Map<String, String> all = new LinkedHashMap<>(fields);
            all.put("csrf", csrf);
            String body = all.entrySet().stream()
                    .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                    .collect(Collectors.joining("&"));
            return send(HttpRequest.newBuilder(URI.create(node.url() + path)).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        Reader signedUp() {
            get("/sign-up");
            String email = "reader-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
            assertEquals(303, post("/sign-up", Map.of("email", email, "password", PASSWORD)).status());
            return this;
        }

        private Page send(HttpRequest.Builder request) {
            request.header("Accept-Language", acceptLanguage);
            if (!cookies.isEmpty()) {
                request.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
            }
            try {
                HttpResponse<String> r = CLIENT.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                for (String set : r.headers().allValues("Set-Cookie")) {
                    String pair = set.split(";", 2)[0];
                    int eq = pair.indexOf('=');
                    if (pair.substring(eq + 1).isEmpty() || set.contains("Max-Age=0")) {
                        cookies.remove(pair.substring(0, eq));
                    } else {
                        cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                Matcher token = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(r.body());
                if (token.find()) {
                    csrf = token.group(1);
                }
                return new Page(r.statusCode(), r.body(), r.headers().firstValue("Location").orElse(""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** A page in {@code language}, with {@code present} on it and none of {@code absent}. */
    private static void assertPage(Reader.Page page, String language, List<String> present, List<String> absent, List<String> problems, String what) {
        if (!page.body().contains("<html lang=\"" + language + "\">")) {
            problems.add(what + ": not marked lang=" + language);
        }
        present.stream().filter(p -> !page.body().contains(p)).forEach(p -> problems.add(what + ": lacks “" + p + "”"));
        absent.stream().filter(page.body()::contains).forEach(a -> problems.add(what + ": still says “" + a + "”"));
    }

    private static void shopPages(String acceptLanguage, String language, Map<String, List<String>> present) {
        Reader reader = new Reader(acceptLanguage);
        Map<String, List<String>> english = Map.of(
                "/how-it-works", List.of("<h1>How it works</h1>", "You pay only when a code arrives.", "within 20 minutes", "Buy a number."),
                "/faq", List.of("<h1>Questions and answers</h1>", "When am I charged?", "Is there an API?"),
                "/terms", List.of("<h1>Terms of use</h1>", "By using this site you agree to these terms."),
                "/privacy", List.of("<h1>Privacy</h1>", "What we keep, and why:", "Your password"),
                "/refunds", List.of("<h1>Refund policy</h1>", "A code that arrived is charged once"),
                "/contact", List.of("<h1>Contact</h1>", "Write to", "the API docs are"));
        List<String> problems = new ArrayList<>();
        present.forEach((path, phrases) -> {
            Reader.Page page = reader.get(path);
            assertEquals(200, page.status(), path);
            assertPage(page, language, phrases, english.get(path), problems, acceptLanguage + " " + path);
        });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theShopsPagesAreInRussianForARussianBrowser() {
        shopPages("ru-RU,ru;q=0.9,en;q=0.8", "ru", Map.of(
                "/how-it-works", List.of("<h1>Как это работает</h1>", "<strong>Купите номер.</strong> Сумма резервируется на балансе",
                        "Срок ожидания — 20 минут:", "минимального срока (2 минуты)", "<a href=\"/developers/docs\">документации API</a>"),
                "/faq", List.of("<h1>Вопросы и ответы</h1>", "<h2>Когда с меня спишут деньги?</h2>", "Когда истечёт срок активации (20 минут)"),
                "/terms", List.of("<h1>Условия использования</h1>", "Пользуясь сайтом, вы соглашаетесь с этими условиями.", "на время активации (20 минут)"),
                "/privacy", List.of("<h1>Конфиденциальность</h1>", "<strong>Ваш пароль</strong> — только в виде хеша Argon2id"),
                "/refunds", List.of("<h1>Правила возврата</h1>", "Пришедший код оплачивается один раз"),
                "/contact", List.of("<h1>Контакты</h1>", "Пишите на <a href=\"mailto:help@shop.example\">help@shop.example</a>.")));
    }

    @Test
    void theShopsPagesAreInSpanishAndChinese() {
        shopPages("es-ES,es;q=0.9", "es", Map.of(
                "/how-it-works", List.of("<h1>Cómo funciona</h1>", "<strong>Solo pagas cuando llega un código.</strong>", "Si no llega ninguno en 20 minutos"),
                "/faq", List.of("<h1>Preguntas y respuestas</h1>", "¿Cuándo se me cobra?"),
                "/terms", List.of("<h1>Condiciones de uso</h1>", "Al usar este sitio aceptas estas condiciones."),
                "/privacy", List.of("<h1>Privacidad</h1>", "Qué guardamos y por qué:"),
                "/refunds", List.of("<h1>Política de reembolsos</h1>", "(al cabo de 20 minutos)"),
                "/contact", List.of("<h1>Contacto</h1>", "Escribe a <a href=\"mailto:help@shop.example\">help@shop.example</a>.")));
        shopPages("zh-CN,zh;q=0.9", "zh", Map.of(
                "/how-it-works", List.of("<h1>使用说明</h1>", "<strong>收到验证码才付费。</strong>如果20分钟内没有收到验证码"),
                "/faq", List.of("<h1>常见问题</h1>", "什么时候扣费？"),
                "/terms", List.of("<h1>服务条款</h1>", "使用本站即表示您同意这些条款。"),
                "/privacy", List.of("<h1>隐私政策</h1>", "我们保存哪些数据，以及原因："),
                "/refunds", List.of("<h1>退款政策</h1>", "已收到的验证码只收费一次"),
                "/contact", List.of("<h1>联系我们</h1>", "请发邮件至 <a href=\"mailto:help@shop.example\">help@shop.example</a>。")));
    }

    @Test
    void theApiDocsAreInTheReadersLanguageWithRoutesAndCodeAsTheyAre() {
        List<String> code = List.of("<code class=\"wrap\">/v1/activations</code>", "<code>priceMicros</code>", "<a href=\"/openapi.yaml\">/openapi.yaml</a>");
        List<String> english = List.of("Numpool native API", "<strong>Buy a number</strong>", "The machine-readable document", "<caption>Parameters</caption>",
                "Every movement of the account&#39;s money");
        List<String> problems = new ArrayList<>();
        Reader.Page ru = new Reader("ru").get("/developers/docs");
        assertEquals(200, ru.status());
        List<String> russian = new ArrayList<>(code);
        russian.addAll(List.of("<h1>Собственный API Numpool</h1>", "<strong>Купить номер</strong>", "<caption>Параметры</caption>",
                "Машиночитаемый документ:", "даны на английском", ">Активации</h2>", "1\u00a0000\u00a0000"));
        assertPage(ru, "ru", russian, english, problems, "ru docs");
        List<String> spanish = new ArrayList<>(code);
        spanish.addAll(List.of("<h1>API nativa de Numpool</h1>", "<strong>Comprar un número</strong>", "<caption>Parámetros</caption>"));
        assertPage(new Reader("es").get("/developers/docs"), "es", spanish, english, problems, "es docs");
        List<String> chinese = new ArrayList<>(code);
        chinese.addAll(List.of("<h1>Numpool 原生 API</h1>", "<strong>购买号码</strong>", "<caption>参数</caption>"));
        assertPage(new Reader("zh-CN").get("/developers/docs"), "zh", chinese, english, problems, "zh docs");
        Reader.Page en = new Reader("en-US").get("/developers/docs");
        if (!en.body().contains("<h1>Numpool native API</h1>") || !en.body().contains("<strong>Buy a number</strong>") || en.body().contains("class=\"hint\">The detailed")) {
            problems.add("the English docs changed");
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    /** Each translated summary, tag and introduction paragraph was made from the OpenAPI document's current English. */
    @Test
    void everyTranslatedPartOfTheApiDocsMatchesTheOpenApiDocument() {
        Map<String, Object> doc = ApiDocsPage.load();
        Texts english = Texts.of(Texts.Language.EN);
        List<String> stale = new ArrayList<>();
        Map<String, String> expected = new LinkedHashMap<>();
        Map<?, ?> info = (Map<?, ?>) doc.get("info");
        expected.put("docs.api.title", String.valueOf(info.get("title")));
        expected.put("docs.api.summary", String.valueOf(info.get("summary")).strip());
        List<String> intro = ApiDocsPage.paragraphList(String.valueOf(info.get("description")));
        for (int i = 0; i < intro.size(); i++) {
            expected.put("docs.api.intro." + (i + 1), intro.get(i));
        }
        for (Object tag : (List<?>) doc.get("tags")) {
            String name = String.valueOf(((Map<?, ?>) tag).get("name"));
            expected.put("docs.tag." + name, name);
        }
        ((Map<?, ?>) doc.get("paths")).forEach((path, operations) -> ((Map<?, ?>) operations).forEach((method, op) -> {
            if (op instanceof Map<?, ?> o && o.get("summary") != null) {
                expected.put(ApiDocsPage.operationKey(String.valueOf(method), String.valueOf(path)), String.valueOf(o.get("summary")).strip());
            }
        }));
        expected.forEach((key, text) -> {
            if (!english.has(key) || !english.get(key).equals(text)) {
                stale.add(key + " should be, in docs_en.properties, “" + text + "” (then translate it again in docs_ru, docs_zh, docs_es)");
            }
        });
        assertTrue(stale.isEmpty(), String.join("\n", stale));
        assertFalse(expected.isEmpty());
    }

    @Test
    void apiKeysAreManagedInRussian() {
        Reader reader = new Reader("ru").signedUp();
        List<String> problems = new ArrayList<>();
        List<String> english = List.of("<h1>API keys</h1>", "Create key", "No keys yet.", "Bots use a key as", "Copy it now");
        assertPage(reader.get("/developers/keys"), "ru", List.of("<h1>API-ключи</h1>", "Ключей пока нет.", "Создать тестовый ключ",
                "Боты передают ключ в заголовке <code>Authorization: Bearer &lt;key&gt;</code>"), english, problems, "keys");
        Reader.Page created = reader.post("/developers/keys", Map.of("label", "бот"));
        assertEquals(201, created.status());
        assertPage(created, "ru", List.of("<strong>Ваш новый ключ «бот».</strong> Скопируйте его сейчас", "Скопировать ключ", "Действует",
                "aria-label=\"Отозвать ключ бот\"", "data-label=\"Дата создания\""), english, problems, "created key");
        Matcher revoke = Pattern.compile("action=\"(/developers/keys/[0-9]+/revoke)\"").matcher(created.body());
        assertTrue(revoke.find());
        Reader.Page revoked = reader.post(revoke.group(1), Map.of());
        assertEquals("/developers/keys?done=revoked", revoked.location());
        assertPage(reader.get(revoked.location()), "ru", List.of("Ключ отозван.", "Отозван "), List.of("Key revoked.", "Revoked "), problems, "revoked");
        Reader.Page missing = reader.post("/developers/keys/987654/revoke", Map.of());
        assertEquals(404, missing.status());
        assertPage(missing, "ru", List.of("В вашем аккаунте нет действующего API-ключа 987654."), List.of("We found no"), problems, "no such key");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void webhookEndpointsAreManagedInRussian() {
        Reader reader = new Reader("ru;q=0.9, de;q=0.5").signedUp();
        List<String> problems = new ArrayList<>();
        List<String> english = List.of("<h1>Webhooks</h1>", "Add endpoint", "No endpoints yet.", "Numpool sends signed events", "Delivery log",
                "We cannot send", "Signing secret", "pending", "not sent yet", "Send a test event");
        assertPage(reader.get("/developers/webhooks"), "ru", List.of("<h1>Вебхуки</h1>", "Добавить эндпоинт", "Эндпоинтов пока нет.",
                "<legend>События</legend>"), english, problems, "webhooks");
        Reader.Page refused = reader.post("/developers/webhooks", Map.of("url", "https://10.0.0.1/hook", "event.activation.code_received", "on"));
        assertEquals(400, refused.status());
        assertPage(refused, "ru", List.of("Мы не можем отправлять события на этот адрес: хост указывает на непубличный адрес."), english, problems, "refused");
        Reader.Page created = reader.post("/developers/webhooks", Map.of("url", "http://127.0.0.1:9/hook", "event.activation.code_received", "on"));
        assertEquals(201, created.status());
        assertPage(created, "ru", List.of("<h1>Эндпоинт вебхуков</h1>", "<strong>Секрет для подписи.</strong>", "<dd>Активен</dd>",
                "Пока ничего не отправлено."), english, problems, "created endpoint");
        Matcher test = Pattern.compile("action=\"/developers/webhooks/([0-9]+)/test\"").matcher(created.body());
        assertTrue(test.find());
        String id = test.group(1);
        Reader.Page queued = reader.post("/developers/webhooks/" + id + "/test", Map.of());
        assertEquals("/developers/webhooks/" + id + "?done=test", queued.location());
        assertPage(reader.get(queued.location()), "ru", List.of("Тестовое событие поставлено в очередь.", "<h2>Журнал доставок</h2>",
                ">ожидает</td>", "ещё не отправлено", "webhook.test"), english, problems, "delivery log");
        Reader.Page list = reader.get("/developers/webhooks");
        assertPage(list, "ru", List.of("http://127.0.0.1:9/hook", "activation.code_received", ">Активен</td>"), english, problems, "endpoint list");
        Reader.Page missing = reader.get("/developers/webhooks/987654");
        assertEquals(404, missing.status());
        assertPage(missing, "ru", List.of("В вашем аккаунте нет эндпоинта вебхуков 987654."), List.of("We found no"), problems, "no such endpoint");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void anEndpointInTheSmsActivateFormatIsChosenOnTheWebhooksPageInRussian() {
        Reader reader = new Reader("ru").signedUp();
        List<String> problems = new ArrayList<>();
        List<String> english = List.of("Format", "Choose sms-activate", "is sent only for", "Choose one of the formats");
        assertPage(reader.get("/developers/webhooks"), "ru", List.of("<label for=\"format\">Формат</label>",
                "<option value=\"standard\" selected>Standard Webhooks (поля type, timestamp, data)</option>",
                "<option value=\"sms-activate\">sms-activate / HeroSMS (поля activationId, service, text, code, country, receivedAt)</option>",
                "Он отправляется только для activation.code_received, rental.sms_received."), english, problems, "the format select");

        Reader.Page bad = reader.post("/developers/webhooks", Map.of("url", "http://127.0.0.1:9/hero", "event.activation.code_received", "on",
                "format", "herosms"));
        assertEquals(400, bad.status());
        assertPage(bad, "ru", List.of("Выберите один из предложенных форматов."), english, problems, "an unknown format");
        Reader.Page tooMany = reader.post("/developers/webhooks", Map.of("url", "http://127.0.0.1:9/hero", "event.activation.code_received", "on",
                "event.activation.finished", "on", "format", "sms-activate"));
        assertEquals(400, tooMany.status());
        assertPage(tooMany, "ru", List.of("Формат sms-activate / HeroSMS отправляется только для activation.code_received, rental.sms_received.",
                "<option value=\"sms-activate\" selected>"), english, problems, "events the format does not carry");
        assertPage(reader.get("/developers/webhooks"), "ru", List.of("Эндпоинтов пока нет."), english, problems, "nothing was created");

        Reader.Page created = reader.post("/developers/webhooks", Map.of("url", "http://127.0.0.1:9/hero", "event.activation.code_received", "on",
                "event.rental.sms_received", "on", "format", "sms-activate"));
        assertEquals(201, created.status());
        assertPage(created, "ru", List.of("<dt>Формат</dt><dd>sms-activate / HeroSMS (поля activationId, service, text, code, country, receivedAt)</dd>",
                "<dd>activation.code_received, rental.sms_received</dd>"), english, problems, "the endpoint in its format");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theDeveloperPagesAreInSpanishAndChinese() {
        List<String> problems = new ArrayList<>();
        // "Webhooks" is the Spanish word too.
        List<String> english = List.of("<h1>API keys</h1>", "Create key", "No keys yet.", "Add endpoint", "No endpoints yet.");
        Reader es = new Reader("es").signedUp();
        assertPage(es.get("/developers/keys"), "es", List.of("<h1>Claves de API</h1>", "Aún no hay claves.", "Crear clave de prueba"), english, problems, "es keys");
        assertPage(es.get("/developers/webhooks"), "es", List.of("Añadir endpoint", "Aún no hay endpoints."), english, problems, "es webhooks");
        Reader zh = new Reader("zh-CN").signedUp();
        assertPage(zh.get("/developers/keys"), "zh", List.of("<h1>API 密钥</h1>", "还没有密钥。", "创建测试密钥"), english, problems, "zh keys");
        assertPage(zh.get("/developers/webhooks"), "zh", List.of("添加端点", "还没有端点。"), english, problems, "zh webhooks");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
