package dev.numpool.web;

import dev.numpool.db.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The activation, balance and status pages in the browser's language: written in Russian or
 * Chinese from the first word to the last (money, dates and statuses included), with no English
 * sentence of theirs left over, and the live page's script given its words in that language too.
 */
class TranslatedPagesTest {
    private static final String PASSWORD = "correct horse battery";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    /** The areas these pages are written from. */
    private static final Set<String> AREAS = Set.of("activation", "trace", "status", "balance");
    private static Numpool node;

    @BeforeAll
    static void start() {
        Map<String, String> config = TestNodes.baseConfig(TestServers.freshDatabaseUrl());
        config.put("orders.early-cancel-seconds", "0"); // so the test can cancel what it bought at once
        config.put("api.rate-limits.sign-ins-per-ip", "1000");
        node = TestNodes.start(config, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aRussianReaderGetsTheActivationBalanceAndStatusPagesInRussian() throws Exception {
        Browserless b = signedIn();
        String activation = buyTelegramInRussia(b);

        String page = get(b, activation, "ru-RU,ru;q=0.9,en;q=0.5").body();
        assertTrue(page.contains("<html lang=\"ru\">"), page);
        assertTrue(page.contains("<h1>Telegram, Россия</h1>"), "the country named in Russian: " + page);
        assertTrue(page.contains("<strong id=\"status\">Ожидание SMS</strong>"), page);
        assertTrue(Pattern.compile("Цена: [0-9]+,[0-9]{2}\u00a0USD").matcher(page).find(), "money as Russian writes it: " + page);
        assertTrue(page.contains("Отменить и вернуть деньги") && page.contains("Откуда ваш номер"), page);
        assertTrue(page.contains("Ваш номер продал Поставщик A: у него лучшая цена за доставленный код."), page);
        assertTrue(page.contains("data-t-expires-in=\"Истекает через {0}.\""), "the live countdown's words, for the script: " + page);
        assertTrue(page.contains("data-copied=\"Скопировано\""), page);
        assertNoEnglishLeft(page);

        // Cancelled (the form posts the same in any language): said, and shown, in Russian.
        b.get(activation);
        assertEquals(303, b.post(activation + "/cancel", Map.of()).status());
        String cancelled = get(b, activation + "?done=cancelled", "ru").body();
        assertTrue(cancelled.contains("Отменено. Сумма вернулась на ваш баланс."), cancelled);
        assertTrue(cancelled.contains("<strong id=\"status\">Отменена, деньги возвращены</strong>"), cancelled);
        assertNoEnglishLeft(cancelled);
        String stream = get(b, activation + "/events", "ru").body();
        assertTrue(stream.contains("\"statusText\":\"Отменена, деньги возвращены\""), "the live state in Russian too: " + stream);

        String history = get(b, "/activations", "ru").body();
        assertTrue(history.contains("<h1>Ваши активации</h1>") && history.contains("data-label=\"Статус\">Отменена, деньги возвращены<"), history);
        assertNoEnglishLeft(history);

        String balance = get(b, "/balance", "ru").body();
        assertTrue(balance.contains("<html lang=\"ru\">"));
        assertTrue(balance.contains("id=\"available\" class=\"price\">100,00\u00a0USD<"), "refunded in full, written the Russian way: " + balance);
        assertTrue(balance.contains("Зарезервировано под незавершённые активации") && balance.contains("Резерв возвращён")
                && balance.contains("Тестовое зачисление"), balance);
        assertTrue(balance.contains("<option value=\"100\">100,00\u00a0USD</option>"), balance);
        assertNoEnglishLeft(balance);

        String status = get(b, "/status", "ru").body().replaceAll("\\s+", " ");
        assertTrue(status.contains("<h1>Состояние сервиса</h1>") && status.contains("Как прошли последние 24 часа"), status);
        assertTrue(status.contains("<th scope=\"row\">Telegram</th><td class=\"num\">1</td><td class=\"num\">слишком мало данных</td>"), status);
        assertNoEnglishLeft(status);

        Browserless.Page missing = get(b, "/activations/999999", "ru");
        assertEquals(404, missing.status());
        assertTrue(missing.body().contains("Активация 999999 в вашем аккаунте не найдена."), missing.body());
    }

    @Test
    void aChineseReaderGetsThemInChinese() {
        Browserless b = signedIn();
        String activation = buyTelegramInRussia(b);
        String page = get(b, activation, "zh-CN,zh;q=0.9").body();
        assertTrue(page.contains("<html lang=\"zh\">"), page);
        assertTrue(page.contains("<h1>Telegram（俄罗斯）</h1>") && page.contains("<strong id=\"status\">等待短信</strong>"), page);
        assertTrue(page.contains("取消并退款") && page.contains("您的号码来自哪里"), page);
        assertTrue(page.contains("有一家供应商有此选项的号码。我们从"), "Chinese sentences follow each other without a space: " + page);
        assertNoEnglishLeft(page);

        String balance = get(b, "/balance", "zh-CN").body();
        assertTrue(balance.contains("<h1>余额</h1>") && balance.contains("可用余额"), balance);
        assertTrue(Pattern.compile("id=\"available\" class=\"price\">USD\u00a0[0-9]+\\.[0-9]{2}<").matcher(balance).find(), balance);
        assertNoEnglishLeft(balance);

        String status = get(b, "/status", "zh-CN").body();
        assertTrue(status.contains("<h1>服务状态</h1>"), status);
        assertNoEnglishLeft(status);
    }

    @Test
    void englishIsStillEnglish() {
        Browserless b = signedIn();
        String page = b.get(buyTelegramInRussia(b)).body();
        assertTrue(page.contains("<html lang=\"en\">") && page.contains("<h1>Telegram in Russia</h1>"), page);
        assertTrue(Pattern.compile("Price USD\u00a0[0-9]+\\.[0-9]{2}<").matcher(page).find(), page);
        assertTrue(page.contains("data-t-cancel-in=\"Cancel possible in {0}.\""), page);
        assertTrue(get(b, "/balance", "es-ES").body().contains("<dt>Disponible</dt><dd id=\"available\" class=\"price\">"), "and Spanish is Spanish");
    }

    /**
     * No sentence or label of these pages' English texts (the ones without arguments, longer than
     * a word) appears in the page: an untranslated string would.
     */
    private static void assertNoEnglishLeft(String page) {
        Map<String, String> english = Texts.patterns(Texts.Language.EN);
        List<String> left = new ArrayList<>();
        english.forEach((key, text) -> {
            if (AREAS.contains(Texts.area(key)) && !text.contains("{") && text.length() >= 10 && page.contains(Html.escape(text))) {
                left.add(key + " = " + text);
            }
        });
        for (String phrase : List.of("Waiting for the SMS", "Cancel and refund", "Expires at", "We bought your number", "Provider A",
                "Available", "Movements", "Got their code", "Status:", "numbers for this offer")) {
            if (page.contains(phrase)) {
                left.add(phrase);
            }
        }
        assertTrue(left.isEmpty(), "English left in the page:\n" + String.join("\n", left));
    }

    private static Browserless signedIn() {
        Browserless b = new Browserless(node.url());
        assertEquals(303, b.signUp("reader-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com", PASSWORD).status());
        return b;
    }

    /** Buys Telegram in Russia through the confirm page's form; returns the activation page's path. */
    private static String buyTelegramInRussia(Browserless b) {
        String confirm = b.get("/buy?service=tg&country=0").body();
        Matcher price = Pattern.compile("name=\"price\" value=\"([0-9]+)\"").matcher(confirm);
        Matcher key = Pattern.compile("name=\"key\" value=\"([0-9a-f-]{36})\"").matcher(confirm);
        assertTrue(price.find() && key.find(), confirm);
        Browserless.Page bought = b.post("/buy", Map.of("service", "tg", "country", "0", "price", price.group(1), "key", key.group(1)));
        assertEquals(303, bought.status(), bought.body());
        return bought.location().orElseThrow();
    }

    /** A GET in this visitor's session with the browser's {@code Accept-Language}. */
    private static Browserless.Page get(Browserless b, String path, String acceptLanguage) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(30))
                .header("Accept-Language", acceptLanguage).GET();
        if (!b.cookies.isEmpty()) {
            request.header("Cookie", b.cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
        }
        try {
            HttpResponse<String> r = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Browserless.Page(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
