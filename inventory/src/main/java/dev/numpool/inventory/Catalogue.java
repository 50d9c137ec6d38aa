package dev.numpool.inventory;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The services and countries Numpool sells, as the database lists them, and the currency all
 * prices are in. An operator may rename one or take it off sale ({@link Inventory#setService});
 * every node re-reads them with the other operator controls, so what is off sale is neither
 * listed, priced nor sold anywhere within seconds. {@link #allServices} and {@link #allCountries}
 * still know them, for the console.
 */
final class Catalogue {
    /** One reading of the catalogue: everything in it, and what is off sale. */
    private record State(Map<String, Service> services, Map<Integer, Country> countries, Set<String> servicesOff, Set<Integer> countriesOff) {
    }

    private final String currency;
    private volatile State state;

    Catalogue(List<Service> services, List<Country> countries, String currency) {
        this.currency = currency;
        replace(services, countries, Set.of(), Set.of());
    }

    /** Replaces the whole catalogue at once (a reader sees the old one or the new one, never a mix). */
    void replace(List<Service> services, List<Country> countries, Set<String> servicesOff, Set<Integer> countriesOff) {
        this.state = new State(services.stream().collect(Collectors.toUnmodifiableMap(Service::code, Function.identity())),
                countries.stream().collect(Collectors.toUnmodifiableMap(Country::id, Function.identity())), Set.copyOf(servicesOff),
                Set.copyOf(countriesOff));
    }

    Optional<Service> service(String code) {
        State s = state;
        return Optional.ofNullable(code).filter(c -> !s.servicesOff().contains(c)).map(s.services()::get);
    }

    Optional<Country> country(int id) {
        State s = state;
        return s.countriesOff().contains(id) ? Optional.empty() : Optional.ofNullable(s.countries().get(id));
    }

    List<Service> services() {
        State s = state;
        return s.services().values().stream().filter(v -> !s.servicesOff().contains(v.code())).sorted(Comparator.comparing(Service::code)).toList();
    }

    List<Country> countries() {
        State s = state;
        return s.countries().values().stream().filter(c -> !s.countriesOff().contains(c.id())).sorted(Comparator.comparingInt(Country::id)).toList();
    }

    /** Every service, on sale or not, with whether it is. */
    List<Inventory.CatalogueEntry<Service>> allServices() {
        State s = state;
        return s.services().values().stream().sorted(Comparator.comparing(Service::code))
                .map(v -> new Inventory.CatalogueEntry<>(v, !s.servicesOff().contains(v.code()))).toList();
    }

    List<Inventory.CatalogueEntry<Country>> allCountries() {
        State s = state;
        return s.countries().values().stream().sorted(Comparator.comparingInt(Country::id))
                .map(c -> new Inventory.CatalogueEntry<>(c, !s.countriesOff().contains(c.id()))).toList();
    }

    boolean sellsService(String code) {
        return service(code).isPresent();
    }

    boolean sellsCountry(int id) {
        return country(id).isPresent();
    }

    /** The country the catalogue sells in that phone region, if any. */
    Optional<Country> countryIn(String region) {
        return countries().stream().filter(c -> c.region().equals(region)).findFirst();
    }

    String currency() {
        return currency;
    }
}
