package markdown

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// plain parses as md does, without md's transformers, so that what they would remove is seen.
var plain = goldmark.New(goldmark.WithExtensions(extension.GFM))

// Unsafe reports whether Markdown src holds anything the page would not show as written: raw
// HTML (inline or as a block), an image, or a link whose scheme is not allowed (javascript:,
// data:, ...). Documents that leave piaf, such as the signed report, are read by viewers that
// may run HTML and follow any link, so they must not carry such text as Markdown.
func Unsafe(src string) bool {
	source := []byte(src)
	doc := plain.Parser().Parse(text.NewReader(source))
	found := false
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML, *ast.HTMLBlock, *ast.Image:
			found = true
		case *ast.Link:
			_, ok := allowedScheme(href(n.Destination), false)
			found = found || !ok
		case *ast.AutoLink:
			_, ok := allowedScheme(util.URLEscape(n.URL(source), false), false)
			found = found || !ok
		}
		if found {
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	return found
}
