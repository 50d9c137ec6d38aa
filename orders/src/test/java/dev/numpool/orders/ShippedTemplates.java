package dev.numpool.orders;

/** The code templates Numpool ships, loaded as the database would hand them to a node (for tests without one). */
final class ShippedTemplates {
    private ShippedTemplates() {
    }

    static CodeTemplates load() {
        CodeTemplates templates = new CodeTemplates();
        templates.load(CodeTemplates.shipped());
        return templates;
    }
}
